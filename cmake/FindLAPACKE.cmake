# FindLAPACKE: the C interface to LAPACK (Debian's liblapacke, which calls
# whichever LAPACK the system provides; OpenBLAS here). Defines LAPACKE::LAPACKE.

find_path(LAPACKE_INCLUDE_DIR lapacke.h)
find_library(LAPACKE_LIBRARY NAMES lapacke)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LAPACKE
    REQUIRED_VARS LAPACKE_LIBRARY LAPACKE_INCLUDE_DIR
    FAIL_MESSAGE "LAPACKE not found: apt-get install liblapacke-dev")

if(LAPACKE_FOUND AND NOT TARGET LAPACKE::LAPACKE)
    add_library(LAPACKE::LAPACKE UNKNOWN IMPORTED)
    set_target_properties(LAPACKE::LAPACKE PROPERTIES
        IMPORTED_LOCATION "${LAPACKE_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${LAPACKE_INCLUDE_DIR}")
endif()
mark_as_advanced(LAPACKE_INCLUDE_DIR LAPACKE_LIBRARY)
