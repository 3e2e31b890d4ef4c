import sys

from ssaser.cli.main import main

sys.exit(main())
