#include "gateway/ingest/pipeline.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "gateway/ingest/profile_check.hpp"
#include "gateway/pws/extract.hpp"
#include "gateway/util/log.hpp"
#include "gateway/validation/validator.hpp"
#include "mappers/json.hpp"
#include "mappers/mapping.hpp"

namespace ilp::gateway::ingest {
namespace net = boost::asio;

namespace {

// MapInput wants a `data`; pass-through envelopes have none (and are never mapped).
const rapidjson::Value* no_data(const Envelope* env) {
  static const rapidjson::Value kNull;
  return env->data != nullptr ? env->data : &kNull;
}

std::string rule_label(const validation::Problem& p) {
  if (!p.rule_id.empty()) return p.rule_id;
  if (p.rule != 0) return std::to_string(p.rule);
  return "unknown";
}

}  // namespace

struct Pipeline::Batch {
  // The store answers on its own threads and the io_context runs on several: every step of one
  // batch runs on this strand, so `pending` and `results` are never touched concurrently.
  // (Without it two find() answers could decrement `pending` at once, the count never reached
  // zero, and the request was dropped without an answer.)
  explicit Batch(net::any_io_executor ex) : strand(net::make_strand(std::move(ex))) {}
  net::strand<net::any_io_executor> strand;
  std::shared_ptr<const config::Config> cfg;
  std::vector<Line> lines;
  std::vector<Result> results;
  std::vector<std::optional<store::Record>> existing;
  std::vector<bool> lookup_failed;  // answered 503 already: never guessed to be new
  std::size_t pending = 0;          // finds outstanding; touched only on `strand`
  std::function<void(std::vector<Result>)> done;
};

Pipeline::Pipeline(net::any_io_executor executor, store::Store& store, const Clock& clock,
                   Metrics& metrics, std::function<void()> on_committed)
    : executor_(std::move(executor)),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      on_committed_(std::move(on_committed)) {}

void Pipeline::submit(std::shared_ptr<const config::Config> cfg, std::vector<Line> lines,
                      std::function<void(std::vector<Result>)> done) {
  auto b = std::make_shared<Batch>(executor_);
  b->cfg = std::move(cfg);
  b->lines = std::move(lines);
  b->results.resize(b->lines.size());
  b->existing.resize(b->lines.size());
  b->lookup_failed.resize(b->lines.size());
  b->done = std::move(done);
  for (std::size_t i = 0; i < b->lines.size(); ++i) {
    if (auto* r = std::get_if<Rejection>(&b->lines[i])) {
      b->results[i].status = r->status;
      b->results[i].outcome = std::move(r->outcome);
    } else {
      b->pending++;
    }
  }
  if (b->pending == 0) {
    net::post(b->strand, [b] { b->done(std::move(b->results)); });
    return;
  }
  // The current revision decides the new one (urn:uuids include it) and lets an identical
  // resubmission answer 200 without mapping or writing anything.
  for (std::size_t i = 0; i < b->lines.size(); ++i) {
    auto* env = std::get_if<Envelope>(&b->lines[i]);
    if (env == nullptr) continue;
    store_.find(env->facility->info.key, env->kind, env->record_id,
                [this, b, i](store::ReadResult<store::Record> rec) {
                  net::post(b->strand, [this, b, i, rec = std::move(rec)]() mutable {
                    if (rec.is_failed()) {
                      // Unknown whether the record exists: taking it for new would map it
                      // as revision 1 (its urn:uuids carry the revision) and store that bundle
                      // as the next revision of one that exists. Nothing is written; the
                      // client sends again.
                      b->lookup_failed[i] = true;
                      store_unavailable(b->results[i], rec.error());
                    } else if (rec.is_found()) {
                      b->existing[i] = std::move(rec).value();
                    }
                    if (--b->pending == 0) map_and_commit(b);
                  });
                });
  }
}

void Pipeline::store_unavailable(Result& res, const std::string& error) {
  res.status = 503;
  res.outcome.add("transient", "",
                  {"Penyimpanan gateway sedang tidak tersedia; rekam TIDAK disimpan. "
                   "Kirim ulang sebentar lagi.",
                   "The gateway's store is unavailable; the record was NOT saved. "
                   "Send it again shortly."});
  logger("ingest")->error("store failed: {}", error);
  metrics_.counter("ilp_store_errors_total", "Store operations that failed").inc();
}

void Pipeline::map_and_commit(const std::shared_ptr<Batch>& b) {
  const auto now = clock_.now_ms();
  auto rejected = [this](const Envelope& env) {
    metrics_
        .counter("ilp_ingest_rejected_total", "Records rejected at ingest",
                 {{"facility", env.facility->info.key}, {"kind", env.kind}})
        .inc();
  };
  std::vector<store::IngestItem> items;
  std::vector<std::size_t> item_line;
  for (std::size_t i = 0; i < b->lines.size(); ++i) {
    auto* env = std::get_if<Envelope>(&b->lines[i]);
    if (env == nullptr || b->lookup_failed[i]) continue;
    auto& res = b->results[i];
    const auto& existing = b->existing[i];
    if (existing && existing->content_hash == env->content_hash) {
      res.status = 200;
      res.id = existing->id;
      res.revision = existing->revision;
      res.record_status = existing->status;
      continue;
    }
    const int revision = existing ? existing->revision + 1 : 1;
    mappers::MapInput in{
        env->facility->info,         env->record_id,      revision, *no_data(env), now,
        b->cfg->platform.date_floor, &b->cfg->pseudonym()};
    mappers::MapResult mapped;
    if (!env->prebuilt()) {
      mapped = env->mapping->map(in);
      if (!mapped.ok()) {
        res.status = 422;
        res.outcome = std::move(mapped.outcome);
        rejected(*env);
        continue;
      }
    }
    const std::string& bundle = env->prebuilt() ? env->bundle_json : mapped.bundle_json;
    // Every bundle is checked against the profiles before it is stored: a 422 now, naming the
    // element, instead of a needs_correction from SATUSEHAT hours later.
    if (auto* validator = validator_for(b->cfg->validation.enabled ? b->cfg->profiles : nullptr)) {
      validation::Context ctx;
      ctx.org_id = env->facility->info.organization_id;
      ctx.date_floor = b->cfg->platform.date_floor;
      ctx.now_ms = now;
      auto checked = validator->validate(bundle, ctx);
      if (!checked.ok()) {
        res.status = 422;
        res.outcome = invalid_outcome(checked, *env, in);
        rejected(*env);
        for (const auto& p : checked.problems) {
          metrics_
              .counter("ilp_ingest_invalid_total",
                       "Profile problems found in bundles refused at ingest, by rule",
                       {{"facility", env->facility->info.key},
                        {"kind", env->kind},
                        {"rule", rule_label(p)}})
              .inc();
        }
        logger("ingest")->debug("{} {} refused by the profiles: {} problem(s)",
                                env->facility->info.key, env->kind, checked.problems.size());
        continue;
      }
    }
    store::IngestItem item;
    item.facility = env->facility->info.key;
    item.kind = env->kind;
    item.record_id = env->record_id;
    item.content_hash = env->content_hash;
    item.now_ms = now;
    if (env->prebuilt()) {
      item.input_json = std::move(env->input_json);
      item.bundle_json = std::move(env->bundle_json);
      item.patient_key = std::move(env->patient_key);
      for (auto& r : env->resources) {
        item.resources.push_back({std::move(r.name), std::move(r.type), std::move(r.local), {}});
      }
    } else {
      item.input_json = mappers::to_json(*env->doc);
      item.bundle_json = std::move(mapped.bundle_json);
      item.patient_key = std::move(mapped.patient_key);
      // FHIR pass-through bundles carry no record data to count: PWS reads mapped records.
      const auto growth = b->cfg->mappings ? b->cfg->mappings->tables().growth() : nullptr;
      if (auto facts =
              pws::extract_facts({env->kind, *no_data(env), env->facility->info, growth})) {
        item.pws_facts = pws::encode(*facts);
      }
      for (const auto& n : mapped.notes) item.note += (item.note.empty() ? "" : "; ") + n;
      for (auto& r : mapped.resources) {
        item.resources.push_back({std::move(r.name), std::move(r.type), std::move(r.local), {}});
      }
    }
    items.push_back(std::move(item));
    item_line.push_back(i);
  }
  if (items.empty()) {
    b->done(std::move(b->results));
    return;
  }
  std::vector<std::string> kinds;
  for (const auto& it : items) kinds.push_back(it.facility + "\x1f" + it.kind);
  store_.ingest(
      std::move(items), [this, b, item_line = std::move(item_line),
                         kinds = std::move(kinds)](std::vector<store::IngestOutcome> outcomes) {
        net::post(b->strand, [this, b, item_line, kinds, outcomes = std::move(outcomes)] {
          bool queued_work = false;
          for (std::size_t k = 0; k < outcomes.size() && k < item_line.size(); ++k) {
            auto& res = b->results[item_line[k]];
            const auto& o = outcomes[k];
            using K = store::IngestOutcome::Kind;
            res.id = o.id;
            res.revision = o.revision;
            res.record_status = o.status;
            switch (o.kind) {
              case K::kCreated:
              case K::kRevised:
                res.status = 202;
                queued_work = true;
                break;
              case K::kUnchanged:
                res.status = 200;
                break;
              case K::kFailed:
                store_unavailable(res, "commit failed: " + o.error);
                break;
            }
            const auto sep = kinds[k].find('\x1f');
            metrics_
                .counter("ilp_records_accepted_total", "Records durably accepted at ingest",
                         {{"facility", kinds[k].substr(0, sep)},
                          {"kind", kinds[k].substr(sep + 1)},
                          {"result", std::to_string(res.status)}})
                .inc();
          }
          if (queued_work && on_committed_) on_committed_();
          b->done(std::move(b->results));
        });
      });
}

}  // namespace ilp::gateway::ingest
