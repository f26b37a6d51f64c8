#pragma once
// The delivery worker: takes durably stored records from the store and brings them to
// SATUSEHAT (DESIGN.md §7), on its own thread and io_context.
//
// Loop: recover() once at start (records left `sending` by a crash become `retrying`, marked
// maybe-sent), then claim(now, free slots) → up to delivery.concurrency attempts at once →
// wait delivery.poll_ms, or less when notify() says something new was committed, or when an
// attempt ends while more may be due.
//
// Threading: start(), notify() and stop() may be called from any thread; everything else runs
// on the delivery thread. Config is read through `config` at every claim and attempt, so a
// reload applies to the next attempt.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <thread>

#include "gateway/config/config.hpp"
#include "gateway/delivery/async_store.hpp"
#include "gateway/delivery/attempt.hpp"
#include "gateway/delivery/backoff.hpp"
#include "gateway/delivery/coro.hpp"
#include "gateway/delivery/platform.hpp"
#include "gateway/delivery/rate_limiter.hpp"
#include "gateway/delivery/resolver.hpp"
#include "gateway/delivery/token_cache.hpp"
#include "gateway/delivery/transport.hpp"
#include "gateway/store/store.hpp"
#include "gateway/util/clock.hpp"
#include "gateway/util/metrics.hpp"

namespace ilp::gateway::delivery {

class Delivery {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

  struct Options {
    // Random source for jitter; empty = seeded from std::random_device. Tests fix it.
    Backoff::Uniform uniform;
  };

  // `store`, `clock` and `metrics` must outlive this object.
  Delivery(ConfigSource config, store::Store& store, const Clock& clock, Metrics& metrics,
           std::unique_ptr<Transport> transport, Options options = {});
  // Stops (deadline 0) if still running.
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Starts the delivery thread. Once only.
  void start();
  // Something new is due (ingest committed a record, the CLI re-queued some): claim now
  // instead of at the next poll. Cheap and thread-safe; coalesces.
  void notify();
  // Stops claiming, lets attempts in flight finish until `deadline` has passed, then stops
  // the thread. Attempts still running then are abandoned: their records stay `sending` and
  // the next start's recover() retries them, searching the platform first (nothing is sent
  // twice). Returns once the thread has ended and the store holds no callback for it.
  void stop(std::chrono::milliseconds deadline);

  // Attempts running now (for tests and metrics).
  int in_flight() const { return in_flight_count_.load(); }
  // False once started and the delivery thread or loop has ended other than by stop(): records
  // would be accepted and never sent (/readyz says so).
  bool alive() const { return !started_ || alive_.load() || stopping_flag_.load(); }

 private:
  net::awaitable<void> loop();
  net::awaitable<void> fill();
  // Retention (delivery.delivered_payload_days): a batch at a time, between claims.
  net::awaitable<void> prune_if_due();
  void start_attempts(std::vector<store::Record> records);
  // How many records a completion claims for the slot it frees (AsyncStore::Refill).
  int refill_slots() const;
  net::awaitable<void> run_attempt(store::Record record);
  net::awaitable<void> settle_after_bug(const config::Config& cfg, const std::string& id,
                                        int revision, int attempts, std::int64_t created_ms,
                                        const std::string& what);
  void publish_alive();
  void attempt_done(std::exception_ptr e);
  void wake();
  void begin_stop(std::chrono::milliseconds deadline);

  ConfigSource config_;
  store::Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  std::atomic<int> in_flight_count_{0};

  // Declared before everything that owns I/O objects, so it is destroyed after them.
  net::io_context ioc_;
  std::unique_ptr<Transport> transport_;
  RateLimiter limiter_;
  TokenCache tokens_;
  CircuitBreaker breaker_;
  Platform platform_;
  AsyncStore async_store_;
  Resolver resolver_;
  AttemptDeps deps_;
  net::steady_timer wake_;

  // Delivery thread only.
  int in_flight_ = 0;
  bool notified_ = false;
  bool more_due_ = false;  // the last claim filled every slot: more may be waiting
  std::int64_t next_prune_ms_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_at_{};

  std::atomic<bool> alive_{false};
  std::atomic<bool> stopping_flag_{false};  // stop() asked: the thread ending is expected
  bool started_ = false;                    // caller's thread
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace ilp::gateway::delivery
