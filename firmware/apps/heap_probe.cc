// Must NOT link: it allocates, and the firmware image has no heap (see
// KWS_FW_NO_HEAP_LINK_OPTIONS). tests/firmware checks that the link fails.
#include <cstdlib>

int main() {
  void* volatile p = std::malloc(16);
  std::free(p);
  int* volatile q = new int(3);
  delete q;
  return 0;
}
