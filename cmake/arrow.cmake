# Finds Apache Arrow's C++ libraries (arrow, parquet) inside the pyarrow wheel
# of SWERL_PYTHON (make deps pins it), the way cmake/torch.cmake finds
# LibTorch, and defines the imported targets swerl::arrow and swerl::parquet.
# The data tools need them (`swerl export --format hf|verl` writes Parquet);
# a trainer-only build (SWERL_BUILD_DATA_TOOLS=OFF) never includes this file.
#
# The wheel ships only versioned libraries (libarrow.so.2600, no
# libarrow.so), so the targets name those files; their directory goes into
# the build RPATH like any shared library linked by path. SWERL_ARROW_PREFIX
# (a directory with include/arrow and lib*/libarrow.so*) overrides the wheel,
# e.g. for Apache's own Debian packages.
set(SWERL_ARROW_PREFIX "" CACHE PATH
    "Arrow C++ install to use instead of the pyarrow wheel of SWERL_PYTHON")

set(swerl_arrow_include "")
set(swerl_arrow_libdirs "")
if(SWERL_ARROW_PREFIX)
  set(swerl_arrow_include ${SWERL_ARROW_PREFIX}/include)
  set(swerl_arrow_libdirs ${SWERL_ARROW_PREFIX}/lib ${SWERL_ARROW_PREFIX}/lib64
                          ${SWERL_ARROW_PREFIX}/lib/x86_64-linux-gnu)
else()
  execute_process(
    COMMAND ${SWERL_PYTHON} -c
            "import pyarrow; print(pyarrow.__version__); print(pyarrow.get_include()); print(';'.join(pyarrow.get_library_dirs()))"
    OUTPUT_VARIABLE swerl_pyarrow OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE swerl_pyarrow_rc ERROR_QUIET)
  if(NOT swerl_pyarrow_rc EQUAL 0)
    message(FATAL_ERROR "the data tools need Apache Arrow's C++ libraries, found in the pyarrow "
                        "wheel of SWERL_PYTHON='${SWERL_PYTHON}', which cannot import pyarrow: "
                        "run make deps (or set SWERL_ARROW_PREFIX, or SWERL_BUILD_DATA_TOOLS=OFF)")
  endif()
  string(REPLACE "\n" ";" swerl_pyarrow "${swerl_pyarrow}")
  list(GET swerl_pyarrow 0 swerl_pyarrow_version)
  list(GET swerl_pyarrow 1 swerl_arrow_include)
  list(SUBLIST swerl_pyarrow 2 -1 swerl_arrow_libdirs)
endif()

# The library file for `name`: the unversioned name when there is one, else
# the shortest versioned one (libarrow.so.2600, the SONAME, rather than a
# libarrow.so.2600.1.0 that some installs add).
function(swerl_find_arrow_library out name)
  foreach(dir ${swerl_arrow_libdirs})
    if(EXISTS ${dir}/lib${name}.so)
      set(${out} ${dir}/lib${name}.so PARENT_SCOPE)
      return()
    endif()
    file(GLOB candidates ${dir}/lib${name}.so.*)
    set(best "")
    foreach(c ${candidates})
      string(LENGTH "${c}" len)
      string(LENGTH "${best}" best_len)
      if(best STREQUAL "" OR len LESS best_len)
        set(best ${c})
      endif()
    endforeach()
    if(best)
      set(${out} ${best} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

swerl_find_arrow_library(SWERL_ARROW_LIB arrow)
swerl_find_arrow_library(SWERL_PARQUET_LIB parquet)
if(NOT SWERL_ARROW_LIB OR NOT SWERL_PARQUET_LIB OR NOT EXISTS ${swerl_arrow_include}/parquet/arrow/writer.h)
  message(FATAL_ERROR "Arrow C++ not found in '${swerl_arrow_libdirs}' (headers: "
                      "'${swerl_arrow_include}'): libarrow '${SWERL_ARROW_LIB}', libparquet "
                      "'${SWERL_PARQUET_LIB}'; run make deps")
endif()
file(STRINGS ${swerl_arrow_include}/arrow/util/config.h swerl_arrow_version_line
     REGEX "#define ARROW_VERSION_STRING")
string(REGEX REPLACE ".*\"(.*)\".*" "\\1" SWERL_ARROW_VERSION "${swerl_arrow_version_line}")

foreach(lib arrow parquet)
  string(TOUPPER ${lib} upper)
  add_library(swerl::${lib} SHARED IMPORTED)
  get_filename_component(soname ${SWERL_${upper}_LIB} NAME)
  set_target_properties(swerl::${lib} PROPERTIES
    IMPORTED_LOCATION ${SWERL_${upper}_LIB}
    IMPORTED_SONAME ${soname}
    # SYSTEM: Arrow's headers are not ours to warn about.
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${swerl_arrow_include}
    INTERFACE_INCLUDE_DIRECTORIES ${swerl_arrow_include})
endforeach()
set_property(TARGET swerl::parquet PROPERTY INTERFACE_LINK_LIBRARIES swerl::arrow)
message(STATUS "swerl export: Arrow/Parquet ${SWERL_ARROW_VERSION} from ${SWERL_PARQUET_LIB}")
