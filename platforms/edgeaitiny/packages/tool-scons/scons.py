"""PlatformIO calls `<tool-scons>/scons.py` with its own Python: hand over to the SCons installed in
that Python (`pip install scons`), so `pio run` never downloads tool-scons."""

import re
import sys

try:
    from SCons.Script.Main import main
except ImportError:  # pragma: no cover - a message the user can act on
    sys.stderr.write(
        "edgeaitiny: SCons is not installed in %s; run `%s -m pip install scons`\n"
        % (sys.executable, sys.executable)
    )
    sys.exit(1)

if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
