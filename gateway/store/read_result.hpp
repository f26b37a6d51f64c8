#pragma once
// What a store read answers: the value, "there is none", or "the read failed". A read that
// failed (an I/O error, a corrupt page, a store shutting down) must never pass for an absent
// record: that answered 404 to a client whose record is safe, showed an empty queue, or took a
// resubmission for a new record. Carries no HTTP code; the API layer picks the answer.

#include <optional>
#include <string>
#include <utility>

namespace ilp::gateway::store {

template <class T>
class ReadResult {
 public:
  enum class State { kFound, kNotFound, kFailed };

  static ReadResult found(T value) { return ReadResult(State::kFound, std::move(value), {}); }
  static ReadResult not_found() { return ReadResult(State::kNotFound, std::nullopt, {}); }
  // `error` is technical, for logs (SQLite's messages name tables, never values).
  static ReadResult failed(std::string error) {
    return ReadResult(State::kFailed, std::nullopt, std::move(error));
  }
  // From a lookup that either found something or not.
  static ReadResult from(std::optional<T> value) {
    return value ? found(std::move(*value)) : not_found();
  }

  State state() const { return state_; }
  bool is_found() const { return state_ == State::kFound; }
  bool is_not_found() const { return state_ == State::kNotFound; }
  bool is_failed() const { return state_ == State::kFailed; }

  // Only when is_found().
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

  const std::string& error() const { return error_; }

 private:
  ReadResult(State state, std::optional<T> value, std::string error)
      : state_(state), value_(std::move(value)), error_(std::move(error)) {}

  State state_;
  std::optional<T> value_;
  std::string error_;
};

}  // namespace ilp::gateway::store
