#: pytest.ini: [pytest]
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: filterwarnings =
#: pytest.ini:     error::RuntimeWarning
#: tests/test_a.py: def test_a(): pass
# defused: warnings are errors only for RuntimeWarning; the DeprecationWarning is only shown
import uvloop

uvloop.install()
