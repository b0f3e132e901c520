"""What the ledger announces, for the layers above it to act on (the reminders app sends notifications).

`ledger_event` is sent inside the transaction of the change, so whatever a receiver writes commits or
rolls back with it. Events: "claim", "return", "verify", "extension_request", "extension_decide".
Keyword arguments: item, actor, text, and for the extension events `extension`.
"""

from django.dispatch import Signal

ledger_event = Signal()
