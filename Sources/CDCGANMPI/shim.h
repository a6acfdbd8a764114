#include <mpi.h>

// Open MPI spells its handles as casts of addresses of globals (MPI_COMM_WORLD is
// ((MPI_Comm)&ompi_mpi_comm_world)), macros Swift cannot import; these functions hand them over.
static inline MPI_Comm dcgan_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype dcgan_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype dcgan_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype dcgan_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Op dcgan_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op dcgan_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op dcgan_mpi_max(void) { return MPI_MAX; }
static inline void *dcgan_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler dcgan_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
