#include <hdf5.h>

/* H5T_NATIVE_UINT8 is a macro over a mutable global that Swift cannot read safely; a
   function returning it can be called. Valid after H5open(). */
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
/* The same for the little-endian uint8 file type, which the tests write. */
static inline hid_t chdf5_std_u8le(void) { return H5T_STD_U8LE; }
