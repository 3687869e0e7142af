"""Stage 5b, deploy: publish the built site to several independent hosts, safely.

plan.py decides what to send and in which order, targets/ holds one module per kind of host,
run.py runs them side by side and verifies, command.py is the command line. The targets
themselves are read from site.yaml with the rest of the content (content/deploy_config.py).
"""
