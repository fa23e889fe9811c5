import sys

from hibachi.chaos import main

sys.exit(main())
