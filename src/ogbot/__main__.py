from ogbot.cli import main

raise SystemExit(main())
