#pragma once
// The store as delivery's coroutines see it: each call is an awaitable that resumes on the
// delivery executor. Store callbacks run on the store's thread (store.hpp); here they only
// post the result back, so no delivery state is touched from that thread.
//
// Shutdown contract: wait_idle() blocks until every callback of every call made through this
// object has run (and posted). After that the store never calls back into delivery, so the
// delivery io_context can be destroyed safely. Store implementations answer every call
// (SqliteStore fails queued operations at once when it is closing), so this is bounded.

#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/login_share.hpp"
#include "gateway/store/store.hpp"

namespace ilp::gateway::delivery {

class AsyncStore final : public LoginShare {
 public:
  AsyncStore(store::Store& store, net::any_io_executor ex);

  net::awaitable<std::vector<store::Record>> claim(std::int64_t now_ms, int limit);
  // With a refill set, a completion also claims the records the refill asks for, in the same
  // store call (Store::complete_and_claim), and hands them to it before the caller resumes.
  net::awaitable<bool> complete(store::Completion c);

  struct Refill {
    std::function<int()> slots;  // how many to claim now (0: a plain completion)
    std::function<void(std::vector<store::Record>)> take;
  };
  // Delivery thread only, before the first completion.
  void set_refill(Refill refill) { refill_ = std::move(refill); }
  net::awaitable<int> recover(std::int64_t now_ms);
  net::awaitable<int> prune(std::int64_t delivered_before_ms, int limit);
  net::awaitable<std::optional<std::string>> cache_get(std::string kind, std::string key);
  net::awaitable<std::optional<store::SharedLogin>> login_begin(store::LoginAsk ask) override;
  net::awaitable<bool> login_done(store::LoginDone result) override;

  // Blocks the calling thread (never the delivery thread) until no callback is outstanding.
  void wait_idle();

 private:
  struct Tracker {
    std::mutex mu;
    std::condition_variable cv;
    int pending = 0;
  };
  template <class T, class Start>
  net::awaitable<T> call(Start start);
  net::awaitable<bool> complete_and_claim(store::Completion c, int slots);

  store::Store& store_;
  net::any_io_executor ex_;
  Refill refill_;
  std::shared_ptr<Tracker> tracker_;
};

}  // namespace ilp::gateway::delivery
