// Small helpers for reading a program spec out of JavaScript values. Every malformed value
// throws SpecError with a message that names the field; the caller prefixes where it was.
#ifndef LAB_NAPI_UTIL_H
#define LAB_NAPI_UTIL_H

#include <napi.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../include/lab_kernel.h"
#include "../kernels/common.h"

namespace lab {

struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One property lookup per read (each Node-API lookup interns its key; the views and expression
// trees, most of a program's fields, come packed in typed arrays instead): absent and undefined
// are the same, and the messages are built only when a value is wrong.
inline Napi::Value Field(const Napi::Object &obj, const char *key) { return obj.Get(key); }

inline bool Has(const Napi::Object &obj, const char *key) { return !obj.Get(key).IsUndefined(); }

inline Napi::Object ObjectField(const Napi::Object &obj, const char *key) {
  Napi::Value v = Field(obj, key);
  if (!v.IsObject()) throw SpecError(std::string(key) + " must be an object");
  return v.As<Napi::Object>();
}

inline Napi::Array ArrayField(const Napi::Object &obj, const char *key) {
  Napi::Value v = Field(obj, key);
  if (!v.IsArray()) throw SpecError(std::string(key) + " must be an array");
  return v.As<Napi::Array>();
}

inline double NumberField(const Napi::Object &obj, const char *key, double fallback) {
  Napi::Value v = Field(obj, key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw SpecError(std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline double RequiredNumber(const Napi::Object &obj, const char *key) {
  if (!Has(obj, key)) throw SpecError(std::string(key) + " is required");
  return NumberField(obj, key, 0);
}

// `d` as an integer; NaN stands for a value that was not a number. `what()` names the value in
// the error (called only on failure).
template <typename What>
inline int64_t IntegerOf(double d, What what) {
  if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != static_cast<double>(static_cast<int64_t>(d))) {
    if (d != d) throw SpecError(std::string(what()) + " must be an integer");
    throw SpecError(std::string(what()) + " must be an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

template <typename What>
inline int64_t IntegerValue(const Napi::Value &v, What what) {
  return IntegerOf(v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : std::nan(""), what);
}

inline int64_t IntegerField(const Napi::Object &obj, const char *key, int64_t fallback) {
  Napi::Value v = Field(obj, key);
  return v.IsUndefined() ? fallback : IntegerValue(v, [key] { return key; });
}

inline bool BoolField(const Napi::Object &obj, const char *key, bool fallback) {
  Napi::Value v = Field(obj, key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw SpecError(std::string(key) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline std::string StringField(const Napi::Object &obj, const char *key) {
  Napi::Value v = Field(obj, key);
  if (!v.IsString()) throw SpecError(std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// The elements of `a` (named `key` in errors) as integers, into `into` (a.Length() of them).
inline void IntegerElements(const Napi::Array &a, const char *key, int64_t *into) {
  const uint32_t n = a.Length();
  for (uint32_t i = 0; i < n; i++) {
    into[i] = IntegerValue(a.Get(i), [key, i] { return std::string(key) + "[" + std::to_string(i) + "]"; });
  }
}

inline std::vector<int64_t> IntegerArray(const Napi::Object &obj, const char *key) {
  Napi::Array a = ArrayField(obj, key);
  std::vector<int64_t> out(a.Length());
  IntegerElements(a, key, out.data());
  return out;
}

inline lab_dtype ParseDtype(const std::string &name) {
  if (name == "float32") return LAB_FLOAT32;
  if (name == "float64") return LAB_FLOAT64;
  if (name == "int32") return LAB_INT32;
  if (name == "bool") return LAB_BOOL;
  throw SpecError("dtype must be 'float32', 'float64', 'int32' or 'bool', got '" + name + "'");
}

inline const char *TypedArrayName(lab_dtype d) {
  switch (d) {
    case LAB_FLOAT32: return "Float32Array";
    case LAB_FLOAT64: return "Float64Array";
    case LAB_INT32: return "Int32Array";
    default: return "Uint8Array";
  }
}

inline napi_typedarray_type TypedArrayType(lab_dtype d) {
  switch (d) {
    case LAB_FLOAT32: return napi_float32_array;
    case LAB_FLOAT64: return napi_float64_array;
    case LAB_INT32: return napi_int32_array;
    default: return napi_uint8_array;
  }
}

// A V8-allocated typed array for dtype (never external memory: Electron forbids it); *data
// receives its memory. Raw Node-API calls: this is on the per-run path.
inline Napi::TypedArray NewTypedArray(Napi::Env env, lab_dtype d, size_t length, void **data) {
  napi_value buffer, array;
  NAPI_THROW_IF_FAILED(env, napi_create_arraybuffer(env, length * lab_dtype_size(d), data, &buffer), Napi::TypedArray());
  NAPI_THROW_IF_FAILED(env, napi_create_typedarray(env, TypedArrayType(d), length, buffer, 0, &array), Napi::TypedArray());
  return Napi::TypedArray(env, array);
}

inline const char *TypedArrayTypeName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    default: return "BigInt64Array/BigUint64Array";
  }
}

// Checks that v is the typed array for dtype with `length` elements; returns its data. One
// Node-API call on success; the message (naming `what()`) is only built on failure.
template <typename What>
inline void *CheckedTypedArray(const Napi::Value &v, lab_dtype d, int64_t length, What what) {
  napi_typedarray_type type;
  size_t actual = 0;
  void *data = nullptr;
  const bool is_array = napi_get_typedarray_info(v.Env(), v, &type, &actual, &data, nullptr, nullptr) == napi_ok;
  if (is_array && type == TypedArrayType(d) && static_cast<int64_t>(actual) == length) return data;
  const std::string want = std::string(what()) + " must be a " + TypedArrayName(d) + " of " + std::to_string(length) + " elements";
  if (!is_array) throw SpecError(want);
  throw SpecError(want + ", got a " + TypedArrayTypeName(type) + " of " + std::to_string(actual) + " elements");
}

// Checks that v is a typed array for dtype, of any length (into *length); returns its data.
inline void *CheckedTypedArray(const Napi::Value &v, lab_dtype d, const char *what, size_t *length) {
  napi_typedarray_type type;
  void *data = nullptr;
  const bool is_array = napi_get_typedarray_info(v.Env(), v, &type, length, &data, nullptr, nullptr) == napi_ok;
  if (is_array && type == TypedArrayType(d)) return data;
  throw SpecError(std::string(what) + " must be a " + TypedArrayName(d));
}

}  // namespace lab

#endif  // LAB_NAPI_UTIL_H
