import sys

from lab.recipes.command import main

raise SystemExit(main(sys.argv[1:]))
