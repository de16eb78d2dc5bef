# FindParallelHDF5: HDF5 built against MPI, or a clear stop.
#
# FindHDF5 happily returns the serial library when both are installed; the
# data-parallel reader needs the MPI-IO driver, so anything else is refused.

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 COMPONENTS C)

if(NOT HDF5_FOUND)
    message(FATAL_ERROR "HDF5 not found: apt-get install libhdf5-openmpi-dev")
endif()
if(NOT HDF5_IS_PARALLEL)
    message(FATAL_ERROR
        "HDF5 at ${HDF5_C_LIBRARIES} is the serial build; mixmate needs parallel HDF5 "
        "(apt-get install libhdf5-openmpi-dev)")
endif()
set(ParallelHDF5_FOUND TRUE)
