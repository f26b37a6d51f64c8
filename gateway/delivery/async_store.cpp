#include "gateway/delivery/async_store.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <optional>

namespace ilp::gateway::delivery {

AsyncStore::AsyncStore(store::Store& store, net::any_io_executor ex)
    : store_(store), ex_(std::move(ex)), tracker_(std::make_shared<Tracker>()) {}

template <class T, class Start>
net::awaitable<T> AsyncStore::call(Start start) {
  auto initiate = [tracker = tracker_, ex = ex_, start = std::move(start)](auto handler) mutable {
    // The store wants a copyable std::function; the coroutine's handler is move-only. The
    // callback moves the handler out into the post, so whatever copies of the callback the
    // store keeps (and destroys on its thread, perhaps after delivery is gone) hold nothing
    // that resumes or destroys a coroutine.
    using Handler = decltype(handler);
    // The work guard keeps the io_context running while the store holds the call.
    struct Slot {
      std::optional<Handler> handler;
      std::optional<net::executor_work_guard<net::any_io_executor>> work;
    };
    auto slot = std::make_shared<Slot>();
    slot->handler.emplace(std::move(handler));
    slot->work.emplace(ex);
    {
      std::lock_guard lock(tracker->mu);
      ++tracker->pending;
    }
    start([tracker, ex, slot](T value) mutable {
      if (!slot->handler) return;  // called twice: a store bug, ignored
      Handler h = std::move(*slot->handler);
      auto work = std::move(*slot->work);
      slot->handler.reset();
      slot->work.reset();
      net::post(ex, [h = std::move(h), work = std::move(work), value = std::move(value)]() mutable {
        std::move(h)(std::move(value));
      });
      std::lock_guard lock(tracker->mu);
      if (--tracker->pending == 0) tracker->cv.notify_all();
    });
  };
  return net::async_initiate<const net::use_awaitable_t<>&, void(T)>(std::move(initiate),
                                                                     net::use_awaitable);
}

net::awaitable<std::vector<store::Record>> AsyncStore::claim(std::int64_t now_ms, int limit) {
  return call<std::vector<store::Record>>([this, now_ms, limit](auto done) {
    store_.claim(now_ms, limit, std::function<void(std::vector<store::Record>)>(std::move(done)));
  });
}

net::awaitable<bool> AsyncStore::complete(store::Completion c) {
  const int slots = refill_.slots ? refill_.slots() : 0;
  if (slots > 0) return complete_and_claim(std::move(c), slots);
  return call<bool>([this, c = std::move(c)](auto done) mutable {
    store_.complete(std::move(c), std::function<void(bool)>(std::move(done)));
  });
}

net::awaitable<bool> AsyncStore::complete_and_claim(store::Completion c, int slots) {
  using Result = store::Store::CompletedAndClaimed;
  // A named start, not a lambda inside the co_await: GCC 12 destroys the init-captures of a
  // lambda temporary in a co_await expression twice.
  auto start = [this, c = std::move(c), slots](auto done) mutable {
    const auto now_ms = c.now_ms;
    store_.complete_and_claim(std::move(c), now_ms, slots,
                              std::function<void(Result)>(std::move(done)));
  };
  auto result = co_await call<Result>(std::move(start));
  if (!result.claimed.empty()) refill_.take(std::move(result.claimed));
  co_return result.ok;
}

net::awaitable<int> AsyncStore::recover(std::int64_t now_ms) {
  return call<int>([this, now_ms](auto done) {
    store_.recover(now_ms, std::function<void(int)>(std::move(done)));
  });
}

net::awaitable<int> AsyncStore::prune(std::int64_t delivered_before_ms, int limit) {
  return call<int>([this, delivered_before_ms, limit](auto done) {
    store_.prune(delivered_before_ms, limit, std::function<void(int)>(std::move(done)));
  });
}

net::awaitable<std::optional<std::string>> AsyncStore::cache_get(std::string kind,
                                                                 std::string key) {
  return call<std::optional<std::string>>(
      [this, kind = std::move(kind), key = std::move(key)](auto done) mutable {
        store_.cache_get(std::move(kind), std::move(key),
                         std::function<void(std::optional<std::string>)>(std::move(done)));
      });
}

net::awaitable<std::optional<store::SharedLogin>> AsyncStore::login_begin(store::LoginAsk ask) {
  return call<std::optional<store::SharedLogin>>([this, ask = std::move(ask)](auto done) mutable {
    store_.login_begin(std::move(ask),
                       std::function<void(std::optional<store::SharedLogin>)>(std::move(done)));
  });
}

net::awaitable<bool> AsyncStore::login_done(store::LoginDone result) {
  return call<bool>([this, result = std::move(result)](auto done) mutable {
    store_.login_done(std::move(result), std::function<void(bool)>(std::move(done)));
  });
}

void AsyncStore::wait_idle() {
  std::unique_lock lock(tracker_->mu);
  tracker_->cv.wait(lock, [&] { return tracker_->pending == 0; });
}

}  // namespace ilp::gateway::delivery
