# FindScaLAPACK: the MPI build of ScaLAPACK (BLACS included).
#
# Debian's scalapack CMake config package points at a library path that does
# not exist, so this module asks pkg-config first and falls back to a plain
# library search. Defines the imported target ScaLAPACK::ScaLAPACK.

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
    pkg_check_modules(PC_SCALAPACK QUIET scalapack-openmpi)
endif()

find_library(ScaLAPACK_LIBRARY
    NAMES scalapack-openmpi scalapack
    HINTS ${PC_SCALAPACK_LIBRARY_DIRS})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ScaLAPACK
    REQUIRED_VARS ScaLAPACK_LIBRARY
    FAIL_MESSAGE "ScaLAPACK for Open MPI not found: apt-get install libscalapack-openmpi-dev")

if(ScaLAPACK_FOUND AND NOT TARGET ScaLAPACK::ScaLAPACK)
    add_library(ScaLAPACK::ScaLAPACK UNKNOWN IMPORTED)
    set_target_properties(ScaLAPACK::ScaLAPACK PROPERTIES IMPORTED_LOCATION "${ScaLAPACK_LIBRARY}")
endif()
mark_as_advanced(ScaLAPACK_LIBRARY)
