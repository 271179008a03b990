"""Web wiring for the check: forms, the answers kept in the session cookie, and views.

This is the only part of ``questionnaire`` that knows about Flask.
"""
