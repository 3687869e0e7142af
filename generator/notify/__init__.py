"""Stage 5c, notify: every update reaches the people who follow it — once, and late rather than never.

What changed since the outbox's last record (state/events.py) → a message per channel that
follows it (routing, messages) → the outbox (written down before sending, marked after) → Apprise
(send). `deploy` calls `prepare` and `after_deploy`; `noticeboard notify` is command.py. The
preview never imports this package (an import-linter contract), so a preview never notifies.
"""

from generator.notify.run import Preparation, Report, after_deploy, prepare

__all__ = ["Preparation", "Report", "after_deploy", "prepare"]
