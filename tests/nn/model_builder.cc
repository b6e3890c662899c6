#include "tests/nn/model_builder.h"

#include <cstring>
#include <map>

namespace kws::nn::testing {

namespace {

namespace f = ::kws::nn::field;

class Writer {
 public:
  struct Field {
    int id = 0;
    std::vector<uint8_t> bytes;  // scalar value; a 4-byte placeholder for references
  };

  template <typename T>
  static Field scalar(int id, T value) {
    Field fl;
    fl.id = id;
    fl.bytes.resize(sizeof(T));
    std::memcpy(fl.bytes.data(), &value, sizeof(T));
    return fl;
  }
  static Field ref(int id) { return scalar<uint32_t>(id, 0); }

  // Writes a vtable and a table; returns the table position, and each field's
  // position through `positions` (by id).
  size_t table(const std::vector<Field>& fields, std::map<int, size_t>* positions = nullptr) {
    int max_id = -1;
    for (const Field& fl : fields) max_id = std::max(max_id, fl.id);
    std::vector<uint16_t> offsets(static_cast<size_t>(max_id + 1), 0);
    size_t end = 4;
    std::vector<size_t> field_off(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      const size_t sz = fields[i].bytes.size();
      end = (end + sz - 1) / sz * sz;
      field_off[i] = end;
      offsets[static_cast<size_t>(fields[i].id)] = static_cast<uint16_t>(end);
      end += sz;
    }
    align(2);
    const size_t vt = buf_.size();
    put<uint16_t>(static_cast<uint16_t>(4 + 2 * offsets.size()));
    put<uint16_t>(static_cast<uint16_t>(end));
    for (uint16_t o : offsets) put<uint16_t>(o);
    align(8);
    const size_t tpos = buf_.size();
    buf_.resize(tpos + end, 0);
    set<int32_t>(tpos, static_cast<int32_t>(tpos - vt));
    for (size_t i = 0; i < fields.size(); ++i) {
      std::memcpy(buf_.data() + tpos + field_off[i], fields[i].bytes.data(),
                  fields[i].bytes.size());
      if (positions != nullptr) (*positions)[fields[i].id] = tpos + field_off[i];
    }
    return tpos;
  }

  // A vector whose first element is `data_align`-aligned; returns its position.
  size_t vector(const void* data, size_t count, size_t elem_size, size_t data_align = 4) {
    align(4);
    while ((buf_.size() + 4) % data_align != 0) buf_.push_back(0);
    const size_t pos = buf_.size();
    put<uint32_t>(static_cast<uint32_t>(count));
    const size_t n = count * elem_size;
    buf_.resize(pos + 4 + n, 0);
    if (n > 0) std::memcpy(buf_.data() + pos + 4, data, n);
    return pos;
  }
  template <typename T>
  size_t vector(const std::vector<T>& values, size_t data_align = 4) {
    return vector(values.data(), values.size(), sizeof(T), data_align);
  }
  size_t string(const std::string& s) {
    const size_t pos = vector(s.data(), s.size(), 1);
    buf_.push_back(0);
    return pos;
  }
  // A vector of `count` references, patched later with link_element().
  size_t ref_vector(size_t count) {
    std::vector<uint32_t> zeros(count, 0);
    return vector(zeros);
  }
  void link(size_t field_pos, size_t target) {
    set<uint32_t>(field_pos, static_cast<uint32_t>(target - field_pos));
  }
  void link_element(size_t vec, size_t i, size_t target) { link(vec + 4 + 4 * i, target); }

  template <typename T>
  void put(T v) {
    const size_t p = buf_.size();
    buf_.resize(p + sizeof(T));
    std::memcpy(buf_.data() + p, &v, sizeof(T));
  }
  template <typename T>
  void set(size_t at, T v) {
    std::memcpy(buf_.data() + at, &v, sizeof(T));
  }
  void align(size_t a) {
    while (buf_.size() % a != 0) buf_.push_back(0);
  }
  std::vector<uint8_t>& bytes() { return buf_; }

 private:
  std::vector<uint8_t> buf_;
};

}  // namespace

std::vector<uint8_t> build_model(const ModelSpec& spec) {
  Writer w;
  w.put<uint32_t>(0);  // root offset, patched below
  w.bytes().insert(w.bytes().end(), {'T', 'F', 'L', '3'});

  // Operator codes: one per distinct (builtin, custom code).
  std::vector<std::pair<int32_t, std::string>> codes;
  std::vector<uint32_t> op_code_index;
  for (const OpSpec& op : spec.ops) {
    size_t k = 0;
    while (k < codes.size() && !(codes[k].first == op.builtin && codes[k].second == op.custom_code))
      ++k;
    if (k == codes.size()) codes.emplace_back(op.builtin, op.custom_code);
    op_code_index.push_back(static_cast<uint32_t>(k));
  }
  // Buffers: 0 is the empty one, then one per constant tensor, then metadata.
  std::vector<const std::vector<uint8_t>*> buffer_data = {nullptr};
  std::vector<uint32_t> tensor_buffer;
  for (const TensorSpec& t : spec.tensors) {
    if (t.data.empty()) {
      tensor_buffer.push_back(0);
    } else {
      tensor_buffer.push_back(static_cast<uint32_t>(buffer_data.size()));
      buffer_data.push_back(&t.data);
    }
  }
  std::vector<std::vector<uint8_t>> metadata_bytes;
  for (const auto& m : spec.metadata) metadata_bytes.emplace_back(m.second.begin(), m.second.end());
  const uint32_t first_metadata_buffer = static_cast<uint32_t>(buffer_data.size());
  for (const auto& m : metadata_bytes) buffer_data.push_back(&m);

  std::map<int, size_t> model_fields;
  std::vector<Writer::Field> root_fields = {
      Writer::scalar<uint32_t>(f::model::kVersion, 3), Writer::ref(f::model::kOperatorCodes),
      Writer::ref(f::model::kSubgraphs), Writer::ref(f::model::kBuffers)};
  if (!spec.metadata.empty()) root_fields.push_back(Writer::ref(f::model::kMetadata));
  const size_t root = w.table(root_fields, &model_fields);
  w.link(0, root);

  // operator_codes
  const size_t codes_vec = w.ref_vector(codes.size());
  w.link(model_fields[f::model::kOperatorCodes], codes_vec);
  for (size_t k = 0; k < codes.size(); ++k) {
    const int32_t b = codes[k].first;
    std::map<int, size_t> pos;
    std::vector<Writer::Field> fields = {
        Writer::scalar<int8_t>(f::operator_code::kDeprecatedBuiltinCode,
                               static_cast<int8_t>(b < 127 ? b : 127)),
        Writer::scalar<int32_t>(f::operator_code::kVersion, 1),
        Writer::scalar<int32_t>(f::operator_code::kBuiltinCode, b)};
    if (!codes[k].second.empty()) fields.push_back(Writer::ref(f::operator_code::kCustomCode));
    const size_t t = w.table(fields, &pos);
    w.link_element(codes_vec, k, t);
    if (!codes[k].second.empty())
      w.link(pos[f::operator_code::kCustomCode], w.string(codes[k].second));
  }

  // subgraphs
  const size_t num_subgraphs = 1 + static_cast<size_t>(spec.extra_subgraphs);
  const size_t sg_vec = w.ref_vector(num_subgraphs);
  w.link(model_fields[f::model::kSubgraphs], sg_vec);
  for (size_t sg = 0; sg < num_subgraphs; ++sg) {
    const bool main = sg == 0;
    std::map<int, size_t> pos;
    const size_t t =
        w.table({Writer::ref(f::subgraph::kTensors), Writer::ref(f::subgraph::kInputs),
                 Writer::ref(f::subgraph::kOutputs), Writer::ref(f::subgraph::kOperators)},
                &pos);
    w.link_element(sg_vec, sg, t);
    const std::vector<int32_t> empty;
    w.link(pos[f::subgraph::kInputs], w.vector(main ? spec.inputs : empty));
    w.link(pos[f::subgraph::kOutputs], w.vector(main ? spec.outputs : empty));
    const size_t nt = main ? spec.tensors.size() : 0;
    const size_t tensors_vec = w.ref_vector(nt);
    w.link(pos[f::subgraph::kTensors], tensors_vec);
    for (size_t i = 0; i < nt; ++i) {
      const TensorSpec& ts = spec.tensors[i];
      std::map<int, size_t> tp;
      std::vector<Writer::Field> fields = {
          Writer::ref(f::tensor::kShape),
          Writer::scalar<uint8_t>(f::tensor::kType, static_cast<uint8_t>(ts.type)),
          Writer::scalar<uint32_t>(f::tensor::kBuffer, tensor_buffer[i])};
      if (!ts.name.empty()) fields.push_back(Writer::ref(f::tensor::kName));
      if (!ts.scales.empty()) fields.push_back(Writer::ref(f::tensor::kQuantization));
      if (ts.is_variable) fields.push_back(Writer::scalar<uint8_t>(f::tensor::kIsVariable, 1));
      const size_t tt = w.table(fields, &tp);
      w.link_element(tensors_vec, i, tt);
      w.link(tp[f::tensor::kShape], w.vector(ts.shape));
      if (!ts.name.empty()) w.link(tp[f::tensor::kName], w.string(ts.name));
      if (!ts.scales.empty()) {
        std::map<int, size_t> qp;
        const size_t q = w.table(
            {Writer::ref(f::quantization::kScale), Writer::ref(f::quantization::kZeroPoint),
             Writer::scalar<int32_t>(f::quantization::kQuantizedDimension, ts.quantized_dimension)},
            &qp);
        w.link(tp[f::tensor::kQuantization], q);
        w.link(qp[f::quantization::kScale], w.vector(ts.scales));
        w.link(qp[f::quantization::kZeroPoint], w.vector(ts.zero_points, 8));
      }
    }
    const size_t no = main ? spec.ops.size() : 0;
    const size_t ops_vec = w.ref_vector(no);
    w.link(pos[f::subgraph::kOperators], ops_vec);
    for (size_t i = 0; i < no; ++i) {
      const OpSpec& op = spec.ops[i];
      std::map<int, size_t> opp;
      std::vector<Writer::Field> fields = {
          Writer::scalar<uint32_t>(f::operator_::kOpcodeIndex, op_code_index[i]),
          Writer::ref(f::operator_::kInputs), Writer::ref(f::operator_::kOutputs)};
      if (op.options_type != 0) {
        fields.push_back(
            Writer::scalar<uint8_t>(f::operator_::kBuiltinOptionsType, op.options_type));
        fields.push_back(Writer::ref(f::operator_::kBuiltinOptions));
      }
      const size_t ot = w.table(fields, &opp);
      w.link_element(ops_vec, i, ot);
      w.link(opp[f::operator_::kInputs], w.vector(op.inputs));
      w.link(opp[f::operator_::kOutputs], w.vector(op.outputs));
      if (op.options_type != 0) {
        std::vector<Writer::Field> of;
        for (const OptionField& o : op.options) {
          switch (o.kind) {
            case OptionField::Kind::kI8:
              of.push_back(Writer::scalar<int8_t>(o.id, static_cast<int8_t>(o.i)));
              break;
            case OptionField::Kind::kI32:
              of.push_back(Writer::scalar<int32_t>(o.id, o.i));
              break;
            case OptionField::Kind::kF32:
              of.push_back(Writer::scalar<float>(o.id, o.f));
              break;
            case OptionField::Kind::kI32Vector:
              of.push_back(Writer::ref(o.id));
              break;
          }
        }
        std::map<int, size_t> ofp;
        const size_t opt = w.table(of, &ofp);
        w.link(opp[f::operator_::kBuiltinOptions], opt);
        for (const OptionField& o : op.options) {
          if (o.kind == OptionField::Kind::kI32Vector) w.link(ofp[o.id], w.vector(o.v));
        }
      }
    }
  }

  // buffers
  const size_t buf_vec = w.ref_vector(buffer_data.size());
  w.link(model_fields[f::model::kBuffers], buf_vec);
  for (size_t b = 0; b < buffer_data.size(); ++b) {
    std::map<int, size_t> bp;
    const bool has = buffer_data[b] != nullptr;
    const size_t t = has ? w.table({Writer::ref(f::buffer::kData)}, &bp) : w.table({});
    w.link_element(buf_vec, b, t);
    if (has) w.link(bp[f::buffer::kData], w.vector(*buffer_data[b], 16));
  }

  // metadata
  if (!spec.metadata.empty()) {
    const size_t md_vec = w.ref_vector(spec.metadata.size());
    w.link(model_fields[f::model::kMetadata], md_vec);
    for (size_t m = 0; m < spec.metadata.size(); ++m) {
      std::map<int, size_t> mp;
      const size_t t =
          w.table({Writer::ref(f::metadata::kName),
                   Writer::scalar<uint32_t>(f::metadata::kBuffer,
                                            first_metadata_buffer + static_cast<uint32_t>(m))},
                  &mp);
      w.link_element(md_vec, m, t);
      w.link(mp[f::metadata::kName], w.string(spec.metadata[m].first));
    }
  }
  w.align(16);
  return w.bytes();
}

ModelSpec tiny_fc_softmax_model() {
  ModelSpec m;
  // 0: input [1,4] int8, scale 0.5 zp -1
  m.tensors.push_back({{1, 4}, TensorType::kInt8, {}, {0.5f}, {-1}, 0, "input", false});
  // 1: weights [3,4] int8 symmetric, per-channel scales
  const std::vector<int8_t> weights = {1, 2, 3, 4, -1, -2, -3, -4, 10, 0, -10, 5};
  m.tensors.push_back({{3, 4},
                       TensorType::kInt8,
                       bytes_of(weights),
                       {0.1f, 0.2f, 0.05f},
                       {0, 0, 0},
                       0,
                       "weights",
                       false});
  // 2: bias [3] int32, scale = input_scale * weight_scale
  const std::vector<int32_t> bias = {10, -20, 7};
  m.tensors.push_back({{3},
                       TensorType::kInt32,
                       bytes_of(bias),
                       {0.05f, 0.1f, 0.025f},
                       {0, 0, 0},
                       0,
                       "bias",
                       false});
  // 3: fc output [1,3] int8
  m.tensors.push_back({{1, 3}, TensorType::kInt8, {}, {0.25f}, {3}, 0, "logits", false});
  // 4: softmax output [1,3] int8 scale 1/256 zp -128
  m.tensors.push_back({{1, 3}, TensorType::kInt8, {}, {1.0f / 256.0f}, {-128}, 0, "probs", false});
  OpSpec fc;
  fc.builtin = op::kFullyConnected;
  fc.inputs = {0, 1, 2};
  fc.outputs = {3};
  fc.options_type = options_type::kFullyConnected;
  fc.options = {OptionField::i8(field::fully_connected::kActivation, 0)};
  OpSpec sm;
  sm.builtin = op::kSoftmax;
  sm.inputs = {3};
  sm.outputs = {4};
  sm.options_type = options_type::kSoftmax;
  sm.options = {OptionField::f32(field::softmax::kBeta, 1.0f)};
  m.ops = {fc, sm};
  m.inputs = {0};
  m.outputs = {4};
  m.metadata = {{"kwsd", "kwsd_metadata=1\nlabels=a,b,c\n"}};
  return m;
}

}  // namespace kws::nn::testing
