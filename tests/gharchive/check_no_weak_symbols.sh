#!/bin/sh
# check_no_weak_symbols.sh SUFFIX OBJECT... : fails unless exactly one OBJECT
# ends in SUFFIX and it defines no weak symbol (W, V, u: an inline function,
# template instance or vague-linkage object the linker may merge with
# another file's copy) apart from the C++ personality routine's reference.
suffix=$1
shift
found=0
for object in "$@"; do
  case $object in
    *"$suffix")
      found=$((found + 1))
      weak=$(nm -C --defined-only "$object" |
        awk '$2 ~ /^[WVu]$/ && $3 !~ /^DW\.ref\.__gxx_personality/')
      if [ -n "$weak" ]; then
        echo "$object defines weak symbols:" >&2
        echo "$weak" >&2
        exit 1
      fi
      ;;
  esac
done
[ "$found" -eq 1 ] || { echo "expected one object ending in $suffix, found $found" >&2; exit 1; }
