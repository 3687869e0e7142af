"""`noticeboard deploy`: publish the built site to several independent hosts, safely.

config.py reads the targets from site.yaml, plan.py decides what to send and in which order,
targets/ holds one module per kind of host, run.py runs them side by side and verifies,
command.py is the command line. Importing this package stays cheap (check imports config).
"""
