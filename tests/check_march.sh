#!/bin/sh
# The -march option must win over the -march=corei7 that libdpdk.pc carries:
# every compile command has exactly one -march, and it is the configured one.
# usage: check_march.sh BUILD_DIR EXPECTED
db="$1/compile_commands.json"
want="-march=$2"
[ -f "$db" ] || { echo "no $db"; exit 1; }
bad=$(grep '"command"' "$db" | grep -v -- "$want" | head -3)
[ -z "$bad" ] || { echo "compile command without $want:"; echo "$bad"; exit 1; }
other=$(grep '"command"' "$db" | grep -oE -- '-march=[^ "]+' | sort -u | grep -vx -- "$want")
[ -z "$other" ] || { echo "other -march flags present: $other"; exit 1; }
n=$(grep -c '"command"' "$db")
echo "$n compile commands, all with $want only"
