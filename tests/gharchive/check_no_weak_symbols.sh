#!/bin/sh
# check_no_weak_symbols.sh SUFFIX OBJECT... : fails unless exactly one OBJECT
# ends in SUFFIX and it defines no weak code symbol (W, or u for a unique
# global: an inline function or template instance the linker may merge with
# another file's copy). Vague-linkage data (V: typeinfo, the personality
# routine's reference) holds no code.
suffix=$1
shift
found=0
for object in "$@"; do
  case $object in
    *"$suffix")
      found=$((found + 1))
      weak=$(nm -C --defined-only "$object" |
        awk '$2 ~ /^[Wu]$/')
      if [ -n "$weak" ]; then
        echo "$object defines weak symbols:" >&2
        echo "$weak" >&2
        exit 1
      fi
      ;;
  esac
done
[ "$found" -eq 1 ] || { echo "expected one object ending in $suffix, found $found" >&2; exit 1; }
