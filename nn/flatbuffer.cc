#include "nn/flatbuffer.h"

namespace kws::fb {

namespace {
constexpr uint64_t kMaxPosition = 0x7FFFFFFFu;  // FlatBuffers buffers are < 2 GiB
}  // namespace

Status Reader::read_u32(uint64_t pos, uint32_t* out) const {
  if (pos > size_ || size_ - pos < 4) {
    return Status::Error(StatusCode::kMalformedModel,
                         "offset %llu + 4 past the end of the buffer (%zu bytes)",
                         static_cast<unsigned long long>(pos), size_);
  }
  std::memcpy(out, data_ + pos, 4);
  return Status::Ok();
}

Status Reader::follow(uint64_t ref_pos, uint64_t* target) const {
  uint32_t rel = 0;
  KWS_RETURN_IF_ERROR(read_u32(ref_pos, &rel));
  const uint64_t t = ref_pos + rel;
  if (t >= size_ || t > kMaxPosition) {
    return Status::Error(
        StatusCode::kMalformedModel, "reference at %llu points to %llu, past the end (%zu bytes)",
        static_cast<unsigned long long>(ref_pos), static_cast<unsigned long long>(t), size_);
  }
  *target = t;
  return Status::Ok();
}

Status Reader::root(Table* out) const {
  if (data_ == nullptr || size_ < 8) {
    return Status::Error(StatusCode::kMalformedModel,
                         "%zu bytes: too small for a flatbuffer (not a TFLite model)", size_);
  }
  uint64_t pos = 0;
  KWS_RETURN_IF_ERROR(follow(0, &pos));
  return table_at(pos, out);
}

Status Reader::table_at(uint64_t pos, Table* out) const {
  if (pos % 4 != 0) {
    return Status::Error(StatusCode::kMalformedModel, "table at %llu is not 4-byte aligned",
                         static_cast<unsigned long long>(pos));
  }
  uint32_t raw = 0;
  KWS_RETURN_IF_ERROR(read_u32(pos, &raw));
  int32_t soffset = 0;
  std::memcpy(&soffset, &raw, 4);
  const int64_t vt = static_cast<int64_t>(pos) - static_cast<int64_t>(soffset);
  if (vt < 0 || static_cast<uint64_t>(vt) + 4 > size_ || vt % 2 != 0) {
    return Status::Error(StatusCode::kMalformedModel, "table at %llu: vtable at %lld out of range",
                         static_cast<unsigned long long>(pos), static_cast<long long>(vt));
  }
  uint16_t vt_size = 0;
  uint16_t tbl_size = 0;
  std::memcpy(&vt_size, data_ + vt, 2);
  std::memcpy(&tbl_size, data_ + vt + 2, 2);
  if (vt_size < 4 || vt_size % 2 != 0 || static_cast<uint64_t>(vt) + vt_size > size_) {
    return Status::Error(StatusCode::kMalformedModel, "table at %llu: bad vtable size %u",
                         static_cast<unsigned long long>(pos), vt_size);
  }
  if (tbl_size < 4 || pos + tbl_size > size_) {
    return Status::Error(StatusCode::kMalformedModel, "table at %llu: bad table size %u",
                         static_cast<unsigned long long>(pos), tbl_size);
  }
  out->pos = static_cast<uint32_t>(pos);
  out->vtable = static_cast<uint32_t>(vt);
  out->vtable_size = vt_size;
  out->table_size = tbl_size;
  return Status::Ok();
}

Status Reader::field(const Table& t, int id, size_t bytes, uint32_t* pos) const {
  *pos = 0;
  const size_t slot = 4 + 2 * static_cast<size_t>(id);
  if (id < 0 || slot + 2 > t.vtable_size) return Status::Ok();
  uint16_t off = 0;
  std::memcpy(&off, data_ + t.vtable + slot, 2);
  if (off == 0) return Status::Ok();
  if (off < 4 || static_cast<size_t>(off) + bytes > t.table_size) {
    return Status::Error(StatusCode::kMalformedModel,
                         "table at %u: field %d at offset %u (%zu bytes) outside the table (%u)",
                         static_cast<unsigned>(t.pos), id, off, bytes, t.table_size);
  }
  *pos = t.pos + off;
  return Status::Ok();
}

Status Reader::table_field(const Table& t, int id, Table* out, bool* present) const {
  uint32_t pos = 0;
  KWS_RETURN_IF_ERROR(field(t, id, 4, &pos));
  *present = pos != 0;
  if (pos == 0) return Status::Ok();
  uint64_t target = 0;
  KWS_RETURN_IF_ERROR(follow(pos, &target));
  return table_at(target, out);
}

Status Reader::vector_at_ref(uint64_t ref_pos, size_t elem_size, size_t align, Vector* out) const {
  uint64_t target = 0;
  KWS_RETURN_IF_ERROR(follow(ref_pos, &target));
  if (target % 4 != 0) {
    return Status::Error(StatusCode::kMalformedModel, "vector at %llu is not 4-byte aligned",
                         static_cast<unsigned long long>(target));
  }
  uint32_t count = 0;
  KWS_RETURN_IF_ERROR(read_u32(target, &count));
  const uint64_t first = target + 4;
  const uint64_t bytes = static_cast<uint64_t>(count) * elem_size;  // < 2^35, no overflow
  if (bytes > size_ - first) {
    return Status::Error(StatusCode::kMalformedModel,
                         "vector at %llu: %u elements of %zu bytes run past the end (%zu bytes)",
                         static_cast<unsigned long long>(target), static_cast<unsigned>(count),
                         elem_size, size_);
  }
  if (align > 1 && (reinterpret_cast<uintptr_t>(data_) + first) % align != 0) {
    return Status::Error(StatusCode::kMalformedModel,
                         "vector at %llu: elements not %zu-byte aligned",
                         static_cast<unsigned long long>(target), align);
  }
  out->data = static_cast<uint32_t>(first);
  out->size = count;
  return Status::Ok();
}

Status Reader::vector_field(const Table& t, int id, size_t elem_size, size_t align, Vector* out,
                            bool* present) const {
  uint32_t pos = 0;
  KWS_RETURN_IF_ERROR(field(t, id, 4, &pos));
  *present = pos != 0;
  if (pos == 0) return Status::Ok();
  return vector_at_ref(pos, elem_size, align, out);
}

Status Reader::string_field(const Table& t, int id, const char** str, uint32_t* len,
                            bool* present) const {
  Vector v;
  KWS_RETURN_IF_ERROR(vector_field(t, id, 1, 1, &v, present));
  if (!*present) return Status::Ok();
  if (static_cast<uint64_t>(v.data) + v.size >= size_ || data_[v.data + v.size] != 0) {
    return Status::Error(StatusCode::kMalformedModel, "string at %u: missing NUL terminator",
                         static_cast<unsigned>(v.data));
  }
  *str = reinterpret_cast<const char*>(data_ + v.data);
  *len = v.size;
  return Status::Ok();
}

Status Reader::table_element(const Vector& v, uint32_t i, Table* out) const {
  const uint64_t ref = static_cast<uint64_t>(v.data) + 4ull * i;
  uint64_t target = 0;
  KWS_RETURN_IF_ERROR(follow(ref, &target));
  return table_at(target, out);
}

}  // namespace kws::fb
