#include "gateway/delivery/worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "gateway/delivery/messages.hpp"
#include "gateway/util/log.hpp"
#include "gateway/util/run_guarded.hpp"

namespace ilp::gateway::delivery {

namespace {
Backoff::Uniform uniform_or_default(Backoff::Uniform u) {
  return u ? std::move(u) : make_uniform(std::random_device{}());
}
}  // namespace

Delivery::Delivery(ConfigSource config, store::Store& store, const Clock& clock, Metrics& metrics,
                   std::unique_ptr<Transport> transport, Options options)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      transport_(std::move(transport)),
      limiter_(clock_, metrics_, [&store] { return store.instances(); }),
      tokens_(*transport_, limiter_, clock_, metrics_),
      breaker_(&metrics_),
      platform_(*transport_, tokens_, limiter_, metrics_, &breaker_, &clock_),
      async_store_(store_, ioc_.get_executor()),
      resolver_(async_store_, platform_),
      deps_{async_store_, platform_, resolver_,
            clock_,       metrics_,  uniform_or_default(std::move(options.uniform))},
      wake_(ioc_) {
  // A hub's instances log in once per facility between them (docs/hub.md "Logins").
  if (store_.shares_logins()) tokens_.share_logins(&async_store_);
  async_store_.set_refill(
      {[this] { return refill_slots(); },
       [this](std::vector<store::Record> records) { start_attempts(std::move(records)); }});
}

Delivery::~Delivery() {
  if (started_ && !stopped_) stop(std::chrono::milliseconds(0));
}

void Delivery::start() {
  if (started_) return;
  started_ = true;
  alive_ = true;
  publish_alive();
  net::co_spawn(ioc_, loop(), [this](std::exception_ptr e) {
    if (!e) return;
    // loop() catches per round; reaching here is a bug outside any round. Say so loudly.
    alive_ = false;
    publish_alive();
    logger("delivery")->critical("delivery loop ended by an exception; nothing more is sent");
  });
  thread_ = std::thread([this] {
    // A handler that throws must not end delivery: it is counted and the thread goes on.
    run_guarded(ioc_, [this](std::string_view what) {
      metrics_.counter("ilp_delivery_internal_errors_total", "Delivery attempts ended by a bug")
          .inc();
      logger("delivery")->error("delivery: unexpected exception: {}", what);
    });
    if (!stopping_flag_) {
      alive_ = false;
      publish_alive();
    }
  });
}

void Delivery::publish_alive() {
  metrics_.gauge("ilp_delivery_running", "1 while the delivery worker runs").set(alive_ ? 1 : 0);
}

void Delivery::notify() {
  net::post(ioc_, [this] { wake(); });
}

void Delivery::wake() {
  notified_ = true;
  wake_.cancel();
}

void Delivery::stop(std::chrono::milliseconds deadline) {
  if (!started_ || stopped_) return;
  net::post(ioc_, [this, deadline] { begin_stop(deadline); });
  thread_.join();
  // Store callbacks of abandoned attempts may still be on their way; after this none is.
  async_store_.wait_idle();
  stopped_ = true;
}

void Delivery::begin_stop(std::chrono::milliseconds deadline) {
  stopping_ = true;
  stopping_flag_ = true;
  stop_at_ = std::chrono::steady_clock::now() + deadline;
  wake();
}

net::awaitable<void> Delivery::loop() {
  auto log = logger("delivery");
  const int recovered = co_await async_store_.recover(clock_.now_ms());
  if (recovered > 0) {
    log->warn(
        "{} records were being sent when the gateway stopped; they will be checked on the "
        "platform before being sent again",
        recovered);
  }
  while (!stopping_) {
    // One bad round (a store callback that threw, a bug) must not end delivery for good.
    bool failed = false;
    try {
      co_await fill();
      if (stopping_) break;
      co_await prune_if_due();
      if (stopping_) break;
    } catch (const std::exception& e) {
      failed = true;
      log->error("delivery round failed: {}", e.what());
    }
    if (failed) {
      metrics_.counter("ilp_delivery_internal_errors_total", "Delivery attempts ended by a bug")
          .inc();
      net::steady_timer pause(ioc_, std::chrono::seconds(1));  // not a busy loop on a bug
      boost::system::error_code ec;
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    if (!notified_) {
      const auto cfg = config_();
      const auto poll_ms = cfg ? std::max<std::int64_t>(cfg->delivery.poll_ms, 1) : 500;
      wake_.expires_after(std::chrono::milliseconds(poll_ms));
      boost::system::error_code ec;
      co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    notified_ = false;
  }
  // Drain: the attempts in flight may finish until the deadline.
  while (in_flight_ > 0 && std::chrono::steady_clock::now() < stop_at_) {
    wake_.expires_at(stop_at_);
    boost::system::error_code ec;
    co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  if (in_flight_ > 0) {
    log->warn("{} delivery attempts still running at shutdown; they are retried after restart",
              in_flight_);
  }
  log->info("delivery stopped");
  ioc_.stop();
}

net::awaitable<void> Delivery::fill() {
  for (;;) {
    const auto cfg = config_();
    if (!cfg || stopping_) co_return;
    const int slots = std::max(cfg->delivery.concurrency, 1) - in_flight_;
    if (slots <= 0) {
      more_due_ = true;
      co_return;
    }
    std::vector<store::Record> records = co_await async_store_.claim(clock_.now_ms(), slots);
    more_due_ = static_cast<int>(records.size()) == slots;
    start_attempts(std::move(records));
    if (!more_due_) co_return;
  }
}

void Delivery::start_attempts(std::vector<store::Record> records) {
  for (auto& r : records) {
    ++in_flight_;
    in_flight_count_.store(in_flight_);
    net::co_spawn(ioc_, run_attempt(std::move(r)),
                  [this](std::exception_ptr e) { attempt_done(e); });
  }
}

// An attempt's completion claims its successor in the same store call (one commit per
// delivered record instead of the completion's and then fill()'s claim's). One record, for the
// slot this attempt is about to free: it sends nothing after its completion, so the successor
// starting a moment before it ends never puts more requests in flight than the concurrency.
// Free slots beyond that are fill()'s, as before; nothing while stopping.
int Delivery::refill_slots() const {
  if (stopping_) return 0;
  const auto cfg = config_();
  if (!cfg || in_flight_ > std::max(cfg->delivery.concurrency, 1)) return 0;
  return 1;
}

net::awaitable<void> Delivery::prune_if_due() {
  const auto cfg = config_();
  const auto now = clock_.now_ms();
  if (!cfg || cfg->delivery.delivered_payload_days <= 0 || now < next_prune_ms_) co_return;
  constexpr int kBatch = 500;                  // one short write transaction at a time
  constexpr std::int64_t kIdleMs = 3'600'000;  // nothing left to prune: look again in an hour
  const std::int64_t cutoff = now - cfg->delivery.delivered_payload_days * 86'400'000;
  const int pruned = co_await async_store_.prune(cutoff, kBatch);
  if (pruned > 0) {
    logger("delivery")
        ->info("retention: removed the data of {} delivered records and cache entries", pruned);
  }
  next_prune_ms_ = pruned >= kBatch ? now : now + kIdleMs;
}

net::awaitable<void> Delivery::run_attempt(store::Record record) {
  auto cfg = config_();
  if (!cfg) co_return;  // no configuration at all: the record is recovered after a restart
  const std::string id = record.id;
  const int revision = record.revision;
  const int attempts = record.attempts;
  const std::int64_t created_ms = record.created_ms;
  std::string what;
  try {
    Attempt attempt(deps_, cfg, std::move(record));
    co_await attempt.run();
    co_return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  co_await settle_after_bug(*cfg, id, revision, attempts, created_ms, what);
}

// An attempt ended by an exception (a bug, or a library throwing on input it should have
// refused) must not leave its record `sending` until a restart: it goes back to `retrying`,
// marked maybe-sent so that the next attempt asks the platform before sending again.
net::awaitable<void> Delivery::settle_after_bug(const config::Config& cfg, const std::string& id,
                                                int revision, int attempts, std::int64_t created_ms,
                                                const std::string& what) {
  metrics_.counter("ilp_delivery_internal_errors_total", "Delivery attempts ended by a bug").inc();
  logger("delivery")->error("{} delivery attempt failed inside the gateway: {}", id, what);
  const Backoff backoff(cfg.retry, deps_.uniform);
  const auto now = clock_.now_ms();
  store::Completion c;
  c.id = id;
  c.revision = revision;
  c.now_ms = now;
  c.maybe_sent = true;
  if (backoff.gives_up(attempts + 1, created_ms, now)) {
    c.status = store::Status::kDead;
    c.note = "gave up after " + std::to_string(attempts + 1) + " attempts (internal error)";
    mappers::Outcome o;
    o.add("exception", "", msg::gave_up(attempts + 1, "internal error"));
    c.last_error = mappers::outcome_to_storage(o);
  } else {
    const auto delay = backoff.delay_ms(attempts + 1);
    c.status = store::Status::kRetrying;
    c.next_attempt_at_ms = now + delay;
    c.note = "internal error; will check the platform before sending again";
    mappers::Outcome o;
    o.add("exception", "", msg::internal_error(now + delay));
    c.last_error = mappers::outcome_to_storage(o);
  }
  if (!co_await async_store_.complete(c)) {
    logger("delivery")->error("{} result could not be stored; retried after restart", id);
  }
}

void Delivery::attempt_done(std::exception_ptr e) {
  --in_flight_;
  in_flight_count_.store(in_flight_);
  if (e) {
    // run_attempt settles its own exceptions; one here came from settling (the store threw).
    // The record stays `sending` until recover() at the next start. Log and count.
    metrics_.counter("ilp_delivery_internal_errors_total", "Delivery attempts ended by a bug")
        .inc();
    logger("delivery")->error("delivery attempt could not be settled");
  }
  // A freed slot is worth a claim: more records may be due, stop() may wait for the drain, and
  // a finished attempt may unblock the next record of its patient (a claim returns fewer
  // records than free slots when the due ones belong to patients with an attempt in flight;
  // waiting for the poll then would cap a backlog of few patients at a handful per poll_ms).
  wake();
}

}  // namespace ilp::gateway::delivery
