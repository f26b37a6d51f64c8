#pragma once
// Runs an io_context-like loop until it returns normally. A handler that throws is a bug, but
// one bug must not end a thread that serves everyone else: the exception is reported and run()
// resumes (an io_context may be run again after a handler threw).

#include <exception>
#include <string_view>

namespace ilp::gateway {

template <class Context, class OnException>
void run_guarded(Context& ctx, OnException&& on_exception) {
  for (;;) {
    try {
      ctx.run();
      return;
    } catch (const std::exception& e) {
      on_exception(std::string_view(e.what()));
    } catch (...) {
      on_exception(std::string_view("an exception of unknown type"));
    }
  }
}

}  // namespace ilp::gateway
