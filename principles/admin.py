from django.contrib import admin

from editing.admin import SafeEditingAdmin

from .models import Principle, TextBlock


@admin.register(Principle)
class PrincipleAdmin(SafeEditingAdmin):
    list_display = ["position", "text"]
    list_display_links = ["text"]
    list_editable = ["position"]
    search_fields = ["text"]
    prepopulated_fields = {"key": ["text"]}
    fields = ["text", "key", "position"]


@admin.register(TextBlock)
class TextBlockAdmin(SafeEditingAdmin):
    list_display = ["position", "__str__", "page"]
    list_display_links = ["__str__"]
    list_editable = ["position"]
    list_filter = ["page"]
    search_fields = ["heading", "body"]
    prepopulated_fields = {"key": ["heading"]}
    fields = ["page", "heading", "body", "key", "position"]
