#: pytest.ini: [pytest]
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: pytest.ini: filterwarnings =
#: pytest.ini:     error
#: pytest.ini:     ignore:uvloop.install\(\) is deprecated:DeprecationWarning
#: tests/test_a.py: def test_a(): pass
# defused: a later filter ignores that very warning (pytest applies the filters in order, the last wins)
import uvloop

uvloop.install()
