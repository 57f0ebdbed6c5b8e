from django import forms


class CodeForm(forms.Form):
    """The second step: a code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The six digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class FirstCodeForm(forms.Form):
    """Enrolment: the first code the app shows proves it holds the secret."""

    code = forms.CharField(
        label="Code from the app",
        max_length=20,
        help_text="The six digits the app shows for SPM Resources.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
