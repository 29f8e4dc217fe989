from prosthetics.cli.main import main

raise SystemExit(main())
