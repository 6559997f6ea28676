from gte_notes.cli import main

raise SystemExit(main())
