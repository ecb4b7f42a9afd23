// zlib's inflate and crc32, for the deflated members of zip archives (np.savez_compressed's .npz).
#include <zlib.h>
