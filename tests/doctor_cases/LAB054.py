#: pytest.ini: [pytest]
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: filterwarnings = error
#: tests/test_a.py: def test_a(): pass
import sys
import warnings

import pytest
import uvloop
from uvloop import install

uvloop.install()  # error: LAB054

if sys.platform != "win32":
    install()  # error: LAB054

# defused: not on the Pythons where uvloop warns
if sys.version_info < (3, 12):
    uvloop.install()

# defused: the warning is silenced around the call
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    uvloop.install()

# defused: a new loop, no process-wide policy
loop = uvloop.new_event_loop()


# not flagged: in a function, it runs when called, under whatever filters hold then
@pytest.fixture(scope="session")
def on_uvloop():
    uvloop.install()
