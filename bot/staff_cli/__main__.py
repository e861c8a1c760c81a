import sys

from bot.staff_cli import main

sys.exit(main())
