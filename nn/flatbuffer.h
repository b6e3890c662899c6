// Bounds-checked, zero-copy reading of a FlatBuffers binary.
//
// Contract: nothing here trusts the bytes. Every offset is checked against the
// buffer before it is followed; every read of a scalar goes through memcpy, so
// a hostile file can neither read out of bounds nor cause a misaligned access.
// Offsets are computed in 64 bits so a 32-bit target cannot wrap around.
// No heap, no copies: views are positions into the caller's bytes.
//
// Binary layout facts used (FlatBuffers wire format):
//   - the buffer starts with a uoffset (uint32) to the root table;
//   - a table starts with an soffset (int32): vtable position = table - soffset;
//   - a vtable is uint16 [vtable bytes, table bytes, field offsets...];
//     a field offset of 0 (or past the vtable) means "absent, use the default";
//   - a reference field (table, vector, string) holds a uoffset relative to the
//     field's own position;
//   - a vector is a uint32 element count followed by the elements; a vector of
//     tables holds uoffsets relative to each element's position;
//   - a string is a byte vector followed by a NUL byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nn/status.h"

namespace kws::fb {

// A table inside the buffer: its position and the (validated) vtable.
struct Table {
  uint32_t pos = 0;          // table start (the soffset)
  uint32_t vtable = 0;       // vtable start
  uint16_t vtable_size = 0;  // bytes in the vtable
  uint16_t table_size = 0;   // bytes of inline table data, from pos
};

// A vector inside the buffer: element count and where the first element is.
struct Vector {
  uint32_t data = 0;  // position of element 0
  uint32_t size = 0;  // element count
};

class Reader {
 public:
  Reader() = default;
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // The root table (the first uoffset of the buffer).
  Status root(Table* out) const;

  // Validates the table starting at `pos` (soffset, vtable bounds).
  Status table_at(uint64_t pos, Table* out) const;

  // Position of field `id` inside `t`, or 0 when absent. Checks that a field of
  // `bytes` bytes lies inside the table's inline data.
  Status field(const Table& t, int id, size_t bytes, uint32_t* pos) const;

  // Scalar fields; `def` when absent.
  template <typename T>
  Status scalar(const Table& t, int id, T def, T* out) const {
    uint32_t pos = 0;
    KWS_RETURN_IF_ERROR(field(t, id, sizeof(T), &pos));
    if (pos == 0) {
      *out = def;
    } else {
      std::memcpy(out, data_ + pos, sizeof(T));
    }
    return Status::Ok();
  }

  // Reference fields. `*present` is false (and `*out` untouched) when absent.
  Status table_field(const Table& t, int id, Table* out, bool* present) const;
  // A vector of `elem_size`-byte scalars (or uoffsets when elem_size is 4 and
  // the elements are tables). `align` is the alignment the elements must have
  // relative to the buffer start (FlatBuffers aligns vectors to their element
  // size); pass 1 when elements are only ever read through memcpy.
  Status vector_field(const Table& t, int id, size_t elem_size, size_t align, Vector* out,
                      bool* present) const;
  // A string; `*str` points into the buffer, NUL-terminated, `*len` excludes it.
  Status string_field(const Table& t, int id, const char** str, uint32_t* len, bool* present) const;

  // Element `i` of a vector of tables (i < v.size is the caller's contract).
  Status table_element(const Vector& v, uint32_t i, Table* out) const;

  // Reads element `i` of a scalar vector (i < v.size is the caller's contract).
  template <typename T>
  T element(const Vector& v, uint32_t i) const {
    T value;
    std::memcpy(&value, data_ + v.data + static_cast<size_t>(i) * sizeof(T), sizeof(T));
    return value;
  }

  // Reads the vector whose uoffset is stored at `ref_pos`.
  Status vector_at_ref(uint64_t ref_pos, size_t elem_size, size_t align, Vector* out) const;

 private:
  Status follow(uint64_t ref_pos, uint64_t* target) const;
  Status read_u32(uint64_t pos, uint32_t* out) const;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kws::fb
