from __future__ import annotations

from examples.subscriber.subscriber import main

raise SystemExit(main())
