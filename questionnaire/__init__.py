"""The opioid signs self-check's domain: content, the flow through it, the summary.

Modules here (other than ``web`` and ``cli``) are plain Python with no web
framework, so the rules can be read and tested on their own.
"""

# This release of the check (see CHANGELOG.md); /healthz says it, with the content it serves.
__version__ = "0.2.0"
