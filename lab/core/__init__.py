"""The core: what `lab run` does, stage by stage, from scenario folders to the records reported.

It imports no other package of the lab; every feature builds on it.
"""
