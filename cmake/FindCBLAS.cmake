# FindCBLAS: OpenBLAS with its CBLAS header.
#
# FindBLAS locates the library but not cblas.h, which Debian keeps in a
# per-variant directory. BLA_VENDOR is pinned so that a machine without
# OpenBLAS fails here instead of silently linking the slow reference BLAS.
# Defines CBLAS::CBLAS (OpenBLAS, which also carries LAPACK).

set(BLA_VENDOR OpenBLAS)
find_package(BLAS QUIET)
find_package(LAPACK QUIET)

find_path(CBLAS_INCLUDE_DIR cblas.h
    PATH_SUFFIXES openblas-pthread openblas openblas-openmp)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CBLAS
    REQUIRED_VARS BLAS_LIBRARIES LAPACK_LIBRARIES CBLAS_INCLUDE_DIR
    FAIL_MESSAGE "OpenBLAS with cblas.h not found: apt-get install libopenblas-dev")

if(CBLAS_FOUND AND NOT TARGET CBLAS::CBLAS)
    add_library(CBLAS::CBLAS INTERFACE IMPORTED)
    set_target_properties(CBLAS::CBLAS PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${CBLAS_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "${LAPACK_LIBRARIES};${BLAS_LIBRARIES}")
endif()
mark_as_advanced(CBLAS_INCLUDE_DIR)
