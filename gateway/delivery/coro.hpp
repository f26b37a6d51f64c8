#pragma once
// Asio C++20 coroutines as delivery uses them (net::awaitable on the delivery io_context).
//
// GCC 12 reports a false -Wmismatched-new-delete at the end of some coroutines: Asio's frames
// have class-specific operator new/delete (awaitable_frame_base) and GCC pairs the delete with
// the global new. The frame is allocated and freed by the same pair, so the warning is
// silenced for the translation units that include this header (this header only, so the rest
// of the project keeps the check).
#include <boost/asio/awaitable.hpp>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace ilp::gateway::delivery {
namespace net = boost::asio;
}  // namespace ilp::gateway::delivery
