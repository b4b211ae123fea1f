"""What every test of the suite shares: the people it registers, and the guard each test starts with.

The guard is the benchmark's proof of isolation: every test writes at least one user and begins by asking
the app for the list of users, which must be empty. A strategy that lets one row outlive its test fails
the next test, so a strategy is only timed when it really isolated every test.
"""

NAMES = (
    "Ada", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jo",
    "Kim", "Lev", "Mo", "Ned", "Oda", "Pia", "Quin", "Rex", "Sol", "Tia",
    "Uma", "Vic", "Wes", "Xia", "Yan", "Zoe", "Abe", "Bea", "Cal", "Dot",
    "Eli", "Flo", "Gil", "Hob", "Ivy", "Jem", "Kai", "Lou", "Max", "Nia",
)

# The same emails in every test file: a row that leaks from one test meets its twin in a later one.
PEOPLE = [{"email": f"{name.lower()}@example.com", "name": name, "password": f"{name} horse battery"}
          for name in NAMES]
IDS = [name.lower() for name in NAMES]


async def assert_no_users(client):
    """The isolation guard: the first thing every test does."""
    listed = await client.get("/users")
    assert listed.status_code == 200, listed.text
    assert listed.json() == [], "an earlier test's users are still here: the strategy did not isolate"


async def register(client, headers, person):
    """Create `person` through the route, which commits; return the created user as the app shows it."""
    created = await client.post("/users", json=person, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()


async def emails(client):
    listed = await client.get("/users")
    assert listed.status_code == 200, listed.text
    return [user["email"] for user in listed.json()]
