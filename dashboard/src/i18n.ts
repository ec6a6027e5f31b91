// English and Simplified Chinese. Every message is a pair [en, zh], so a message without its
// translation does not compile; the choice is kept in localStorage. `{name}` is replaced by params.
import { createContext, createElement, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

export type Lang = "en" | "zh";

const M = {
  loading: ["Loading…", "加载中…"],
  empty: ["Nothing here yet.", "暂无数据。"],
  yes: ["yes", "是"],
  no: ["no", "否"],
  unavailable: [
    "{what}: not available yet — this llmops server does not have that API. The page lights up when it lands.",
    "{what}：暂不可用 —— 此 llmops 服务器尚未提供该 API，上线后本页会自动显示。",
  ],
  forbidden: ["Your key may not see this: {message}", "您的密钥无权查看：{message}"],
  signout: ["Sign out", "退出登录"],

  "signin.intro": [
    "Sign in with an llmops API key. It stays in this browser tab only (session storage).",
    "使用 llmops API 密钥登录。密钥只保存在当前浏览器标签页（会话存储）。",
  ],
  "signin.key": ["API key", "API 密钥"],
  "signin.submit": ["Sign in", "登录"],
  "signin.invalid": ["That key is invalid or revoked.", "密钥无效或已被吊销。"],
  "signin.expired": ["Your key no longer works; sign in again.", "您的密钥已失效，请重新登录。"],
  "signin.hint": [
    "`llmops up` prints the admin key (also in .llmops/admin.key); `llmops keys create --role viewer` makes a read-only one.",
    "`llmops up` 会打印管理员密钥（也保存在 .llmops/admin.key）；`llmops keys create --role viewer` 可创建只读密钥。",
  ],

  "nav.overview": ["Overview", "概览"],
  "nav.models": ["Models", "模型"],
  "nav.datasets": ["Datasets", "数据集"],
  "nav.runs": ["Runs", "训练"],
  "nav.evals": ["Evals", "评测"],
  "nav.traces": ["Traces", "请求追踪"],
  "nav.audit": ["Audit", "审计"],
  "nav.explain": ["Explain", "解释"],
  "nav.settings": ["Settings", "设置"],

  "col.model": ["Model", "模型"],
  "col.version": ["Version", "版本"],
  "col.size": ["Size", "大小"],
  "col.status": ["Status", "状态"],
  "col.created": ["Created", "创建时间"],

  "window.15m": ["15 min", "15 分钟"],
  "window.1h": ["1 hour", "1 小时"],
  "window.6h": ["6 hours", "6 小时"],
  "window.24h": ["24 hours", "24 小时"],
  "window.7d": ["7 days", "7 天"],

  "overview.window": ["Time window", "时间范围"],
  "overview.live": ["live", "实时"],
  "overview.requests": ["Requests", "请求数"],
  "overview.p50": ["Median latency", "延迟中位数"],
  "overview.p95": ["p95 latency", "p95 延迟"],
  "overview.ttft": ["Time to first token", "首个 token 时间"],
  "overview.ttft.none": ["no streamed requests", "没有流式请求"],
  "overview.errors": ["Errors", "错误"],
  "overview.errors.note": ["{n} errors ({s4} 4xx, {s5} 5xx)", "{n} 个错误（4xx {s4} 个，5xx {s5} 个）"],
  "overview.tokens": ["Tokens", "Token 数"],
  "overview.tokens.note": ["{p} in, {c} out", "输入 {p}，输出 {c}"],
  "overview.cache": ["Cache hit rate", "缓存命中率"],
  "overview.cache.note": ["{hits} hits of {n} lookups", "{n} 次查询中命中 {hits} 次"],
  "overview.cache.none": ["the request log records no cache results yet", "请求日志尚未记录缓存结果"],
  "overview.chart.requests": ["Requests and errors", "请求与错误"],
  "overview.chart.latency": ["Latency", "延迟"],
  "overview.mean": ["mean", "平均"],
  "overview.max": ["max", "最大"],
  "overview.versions": ["By model version", "按模型版本"],
  "overview.drift": ["Drift: this window vs the reference window", "漂移：当前窗口对比参考窗口"],
  "overview.drift.none": ["No drift check has run yet.", "尚未运行漂移检测。"],
  "overview.drift.off": [
    "Drift checks are off (monitoring.drift in llmops.yaml).",
    "漂移检测未开启（llmops.yaml 中的 monitoring.drift）。",
  ],
  "overview.drift.yes": ["drift", "漂移"],
  "overview.drift.no": ["stable", "稳定"],
  "overview.drift.when": [
    "checked {at}: {ref} reference vs {cur} current requests",
    "检测于 {at}：参考 {ref} 个请求，当前 {cur} 个请求",
  ],
  "overview.drift.feature": ["Signal", "信号"],
  "overview.drift.test": ["Test", "检验"],
  "overview.drift.score": ["Score / threshold", "分数 / 阈值"],
  "overview.drift.insufficient": ["too few requests", "请求太少"],
  "overview.summary.none": ["No requests in the last {window}.", "最近 {window} 没有请求。"],
  "overview.summary.main": [
    "In the last {window}: {requests} requests, half answered within {p50} and 95% within {p95}; {errors} failed.",
    "最近 {window}：共 {requests} 个请求，一半在 {p50} 内完成，95% 在 {p95} 内完成；失败率 {errors}。",
  ],
  "overview.summary.faster": [
    "Typical answers are {change} faster than the window before.",
    "典型响应比上一时段快 {change}。",
  ],
  "overview.summary.slower": [
    "Typical answers are {change} slower than the window before.",
    "典型响应比上一时段慢 {change}。",
  ],
  "overview.summary.fastest": ["{model} answers {change} faster than {other}.", "{model} 比 {other} 快 {change}。"],

  "models.summary.empty": [
    "No models registered yet: `llmops models register FILE.gguf --name NAME`.",
    "尚未注册模型：`llmops models register FILE.gguf --name NAME`。",
  ],
  "models.summary.main": [
    "{name} has {versions} versions; production is {production}.",
    "{name} 共有 {versions} 个版本，生产版本为 {production}。",
  ],
  "models.summary.faster": ["{newer} answers {change} faster than {older}", "{newer} 比 {older} 快 {change}"],
  "models.summary.slower": ["{newer} answers {change} slower than {older}", "{newer} 比 {older} 慢 {change}"],
  "models.summary.serving": [
    "{model} served {n} requests in 24 h, median {p50}",
    "{model} 在 24 小时内处理了 {n} 个请求，中位延迟 {p50}",
  ],
  "models.summary.passes": [" and passes {pass} of tests.", "，并通过了 {pass} 的测试。"],
  "models.none": ["not set", "未设置"],
  "models.versions": ["Versions", "版本"],
  "models.aliases": ["Aliases", "别名"],
  "models.arch": ["Architecture", "架构"],
  "models.params": ["Parameters", "参数量"],
  "models.quant": ["Quantisation", "量化"],
  "models.context": ["Context length", "上下文长度"],
  "models.vocab": ["Vocabulary", "词表大小"],
  "models.lineage": ["Comes from", "来源"],
  "models.lineageGraph": ["Lineage: dataset → run → model", "血缘：数据集 → 训练 → 模型"],
  "models.aliasHistory": ["Alias history", "别名历史"],
  "models.move.set": ["moved {from} → {to}", "从 {from} 移到 {to}"],
  "models.move.create": ["set to {to}", "指向 {to}"],
  "models.move.rollback": ["rolled back {from} → {to}", "从 {from} 回滚到 {to}"],
  "models.move.delete": ["removed (was {from})", "已删除（原为 {from}）"],
  "models.card": ["Model card: {ref}", "模型卡片：{ref}"],
  "models.trainedOn": ["Trained on", "训练数据"],
  "models.run": ["Training run", "训练任务"],
  "models.trainLoss": ["Final loss", "最终损失"],
  "models.serving": ["Serving (24 h)", "线上表现（24 小时）"],
  "models.servingValue": ["{n} requests, median {p50}, {err} errors", "{n} 个请求，中位延迟 {p50}，错误率 {err}"],
  "models.notServed": ["no traffic in 24 h", "24 小时内无流量"],
  "models.evals": ["Eval pass rate", "评测通过率"],
  "models.noEvals": ["no eval run yet", "尚无评测"],
  "models.rollouts": ["Rollouts (canary, shadow, blue/green)", "发布（金丝雀、影子、蓝绿）"],
  "models.rolloutKind": ["Kind", "类型"],
  "models.rolloutArms": ["Stable → candidate", "稳定版 → 候选版"],
  "models.evalValue": ["{pass} in “{suite}”", "“{suite}”中通过 {pass}"],
  "models.tags": ["Tags", "标签"],
  "lineage.dataset": ["Datasets", "数据集"],
  "lineage.run": ["Runs", "训练任务"],
  "lineage.model": ["Model versions", "模型版本"],

  "datasets.summary.empty": [
    "No datasets yet: `llmops data ingest FILE --name NAME`.",
    "尚无数据集：`llmops data ingest FILE --name NAME`。",
  ],
  "datasets.summary.main": ["{ref} holds {rows} rows ({size}).", "{ref} 共 {rows} 行（{size}）。"],
  "datasets.summary.pipeline": [
    "Its pipeline from {input} removed {dropped} of the rows{reason}.",
    "其清洗流水线从 {input} 中去除了 {dropped} 的行{reason}。",
  ],
  "datasets.summary.reason": [", mostly as {reason}", "，主要原因是 {reason}"],
  "datasets.summary.lang": ["{share} of the text is “{lang}”.", "{share} 的文本语言为“{lang}”。"],
  "datasets.summary.pii": ["{rows} rows ({rate}) contain personal data.", "{rows} 行（{rate}）含有个人信息。"],
  "datasets.summary.noPii": ["No personal data found.", "未发现个人信息。"],
  "datasets.versions": ["Versions", "版本"],
  "datasets.rows": ["Rows", "行数"],
  "datasets.source": ["Made from", "来源"],
  "datasets.pipeline": ["pipeline", "流水线"],
  "datasets.flags": ["Protection", "保护"],
  "datasets.encrypted": ["encrypted", "已加密"],
  "datasets.erased": ["erased", "已擦除"],
  "datasets.shards": ["Shards", "分片"],
  "datasets.stored": ["stored", "存储"],
  "datasets.textField": ["Text field", "文本字段"],
  "datasets.fields": ["Fields", "字段"],
  "datasets.steps": ["Pipeline steps", "流水线步骤"],
  "datasets.noSteps": ["Ingested directly: no pipeline steps.", "直接导入：没有流水线步骤。"],
  "datasets.step": ["Step", "步骤"],
  "datasets.in": ["In", "输入"],
  "datasets.out": ["Out", "输出"],
  "datasets.dropped": ["Dropped", "丢弃"],
  "datasets.seconds": ["Seconds", "秒"],
  "datasets.report": ["Quality report", "质量报告"],
  "datasets.lengths": ["Text length (characters)", "文本长度（字符）"],
  "datasets.lengthNote": [
    "mean {mean}, median {p50}, {outliers} length outliers",
    "平均 {mean}，中位数 {p50}，长度异常 {outliers} 个",
  ],
  "datasets.languages": ["Languages", "语言"],
  "datasets.dupNote": ["exact duplicates {exact}, near duplicates {near}", "完全重复 {exact}，近似重复 {near}"],
  "datasets.pii": ["Personal data by type", "个人信息（按类型）"],
  "datasets.piiOff": ["PII scan was not run.", "未进行个人信息扫描。"],
  "datasets.piiPipeline": [
    "The pipeline's pii step found personal data in {rows} rows ({mode}):",
    "流水线的 pii 步骤在 {rows} 行中发现个人信息（{mode}）：",
  ],
  "datasets.piiRemaining": ["Still in this version", "本版本中仍存在"],

  "runs.summary.empty": [
    "No training runs yet: `llmops train --config train.yaml`.",
    "尚无训练任务：`llmops train --config train.yaml`。",
  ],
  "runs.summary.running": [
    "{name} is {status}: step {steps}, loss {loss}.",
    "{name} {status}：第 {steps} 步，损失 {loss}。",
  ],
  "runs.summary.done": [
    "{name} {status} after {steps} steps at loss {loss}.",
    "{name} 已{status}，共 {steps} 步，最终损失 {loss}。",
  ],
  "runs.summary.drop": ["Loss fell from {from} ({change}% lower).", "损失从 {from} 下降了 {change}%。"],
  "runs.summary.val": ["Validation loss {val} (perplexity {ppl}).", "验证损失 {val}（困惑度 {ppl}）。"],
  "runs.summary.clean": ["No convergence problems were flagged.", "未发现收敛问题。"],
  "runs.summary.warnings": ["{n} warnings, first: {first}", "{n} 条警告，第一条：{first}"],
  "runs.all": ["All runs", "全部训练任务"],
  "runs.name": ["Run", "任务"],
  "runs.loss": ["Loss", "损失"],
  "runs.source": ["Trainer", "训练器"],
  "runs.compare": ["Compare", "对比"],
  "runs.compareWith": ["compare", "对比"],
  "runs.comparison": ["Comparison", "对比结果"],
  "runs.metric": ["Metric", "指标"],
  "runs.lossCurve": ["Loss", "损失曲线"],
  "runs.pplCurve": ["Perplexity", "困惑度曲线"],
  "runs.noMetric": ["No values logged for this metric.", "该指标没有记录。"],
  "runs.split.train": ["train", "训练"],
  "runs.split.eval": ["validation", "验证"],
  "runs.events": ["Convergence events", "收敛事件"],
  "runs.noEvents": ["No events.", "没有事件。"],
  "runs.step": ["step", "步"],
  "runs.recipe": ["Recipe and provenance", "配置与来源"],
  "runs.data": ["Data", "数据"],
  "runs.finished": ["Finished", "结束时间"],
  "runs.params": ["Parameters", "参数"],
  "runs.val": ["val", "验证"],
  "status.running": ["running", "运行中"],
  "status.completed": ["completed", "完成"],
  "status.failed": ["failed", "失败"],
  "status.stopped": ["stopped", "停止"],
  "status.diverged": ["diverged", "发散"],
  "status.unknown": ["in an unknown state", "状态未知"],

  "evals.summary.unavailable": [
    "Evaluation results appear here once this server has the eval API (/api/v1/evals).",
    "服务器提供评测 API（/api/v1/evals）后，评测结果将显示在这里。",
  ],
  "evals.summary.empty": [
    "No eval runs yet: `llmops eval SUITE --model NAME@VERSION`.",
    "尚无评测：`llmops eval SUITE --model NAME@VERSION`。",
  ],
  "evals.summary.running": [
    "Eval runs are in progress; results appear when they finish.",
    "评测正在进行，完成后显示结果。",
  ],
  "evals.summary.latest": [
    "{candidate} passes {pass} of {n} tests in “{suite}”.",
    "{candidate} 通过了“{suite}”中 {n} 个测试的 {pass}。",
  ],
  "evals.summary.vs": [
    "The baseline {baseline} passes {pass}: {regressions} regressions, {improvements} improvements.",
    "基线 {baseline} 通过 {pass}：{regressions} 个退化，{improvements} 个改进。",
  ],
  "evals.summary.gatePass": ["It clears the release gate.", "通过了发布门禁。"],
  "evals.summary.gateFail": ["It fails the release gate.", "未通过发布门禁。"],
  "evals.summary.biasPass": [
    "Bias audit of {model}: no bias above the threshold in {pairs} counterfactual pairs.",
    "{model} 的偏见审计：{pairs} 组反事实样本中没有超过阈值的偏见。",
  ],
  "evals.summary.biasFail": [
    "Bias audit of {model}: {flagged} metrics flagged in {pairs} counterfactual pairs.",
    "{model} 的偏见审计：{pairs} 组反事实样本中有 {flagged} 项指标被标记。",
  ],
  "evals.summary.biasIncomplete": [
    "The bias audit of {model} did not complete; its report below says why.",
    "{model} 的偏见审计未完成，原因见下方报告。",
  ],
  "evals.none": ["No eval runs.", "没有评测记录。"],
  "evals.runs": ["Eval runs", "评测记录"],
  "evals.suite": ["Suite", "测试集"],
  "evals.candidate": ["Candidate", "候选"],
  "evals.baseline": ["Baseline", "基线"],
  "evals.passRate": ["Pass rate", "通过率"],
  "evals.delta": ["vs baseline", "相对基线"],
  "evals.gate": ["Gate", "门禁"],
  "evals.pass": ["pass", "通过"],
  "evals.fail": ["fail", "失败"],
  "evals.flagged": ["flagged", "已标记"],
  "evals.detail": ["Eval run detail", "评测详情"],
  "evals.diff": ["{candidate} vs {baseline}", "{candidate} 对比 {baseline}"],
  "evals.diffSummary": [
    "{cases} tests: {regressions} regressions, {fixes} improvements.",
    "{cases} 个测试：{regressions} 个退化，{fixes} 个改进。",
  ],
  "evals.noCases": ["This run has no per-test results.", "该评测没有逐项结果。"],
  "evals.case": ["Test", "测试"],
  "evals.category": ["Category", "类别"],
  "evals.output": ["Candidate's answer", "候选模型的回答"],
  "evals.holdout": ["{n} holdout tests are counted in the totals but not listed.", "{n} 个保留测试计入总数但不列出。"],
  "evals.bias": ["Bias report and other analyses", "偏见报告与其他分析"],
  "evals.noBias": [
    "No run with an analysis yet: `llmops eval builtin:bias --model NAME@VERSION`.",
    "尚无分析：`llmops eval builtin:bias --model NAME@VERSION`。",
  ],

  "traces.summary.empty": ["No requests logged yet.", "尚未记录任何请求。"],
  "traces.summary.noMatch": ["No request matches these filters.", "没有符合筛选条件的请求。"],
  "traces.summary.all": [
    "{total} requests logged. On this page: {errors} failed, the slowest took {slowest} (query {took}).",
    "共记录 {total} 个请求。本页：失败 {errors}，最慢 {slowest}（查询耗时 {took}）。",
  ],
  "traces.summary.filtered": [
    "{total} requests match. On this page: {errors} failed, the slowest took {slowest} (query {took}).",
    "共 {total} 个请求符合条件。本页：失败 {errors}，最慢 {slowest}（查询耗时 {took}）。",
  ],
  "traces.filter.model": ["Model", "模型"],
  "traces.filter.version": ["Version", "版本"],
  "traces.filter.status": ["Status", "状态"],
  "traces.filter.route": ["Route", "路由"],
  "traces.filter.min_latency_ms": ["Latency ≥ ms", "延迟 ≥ 毫秒"],
  "traces.any": ["any", "全部"],
  "traces.clear": ["Clear filters", "清除筛选"],
  "traces.time": ["Time", "时间"],
  "traces.route": ["Route", "路由"],
  "traces.tokens": ["Tokens in → out", "Token 输入 → 输出"],
  "traces.ttft": ["First token", "首个 token"],
  "traces.latency": ["Latency", "延迟"],
  "traces.newer": ["Newer", "较新"],
  "traces.older": ["Older", "较早"],
  "traces.page": ["Page {page} of {total} requests", "第 {page} 页，共 {total} 个请求"],
  "traces.detail": ["Request", "请求详情"],
  "traces.detail.summary.ok": [
    "{route} on {model} answered in {latency}.",
    "{model} 上的 {route} 用时 {latency} 完成。",
  ],
  "traces.detail.summary.fail": [
    "{route} on {model} failed with {status} {code} after {latency}.",
    "{model} 上的 {route} 在 {latency} 后失败：{status} {code}。",
  ],
  "traces.request": ["Request", "请求"],
  "traces.upstream": ["Served by", "处理节点"],
  "traces.key": ["API key", "API 密钥"],
  "traces.stream": ["Streamed", "流式"],
  "traces.promptTokens": ["Prompt tokens", "输入 token"],
  "traces.completionTokens": ["Completion tokens", "输出 token"],
  "traces.speed": ["Generation speed", "生成速度"],
  "traces.breakdown": ["Latency breakdown", "延迟分解"],
  "traces.firstToken": ["Until the first token (queue, routing, prompt)", "首个 token 前（排队、路由、处理提示）"],
  "traces.generation": ["Generating the rest", "生成其余内容"],
  "traces.notStreamed": ["not measured (not streamed)", "未测量（非流式）"],
  "traces.body": ["Prompt and response", "提示与回复"],
  "traces.noBody": [
    "No prompt or response is stored for this request. Without capture (the default) prompts and responses are never recorded; with capture.enabled in llmops.yaml they are kept, redacted, for sampled requests until they expire.",
    "此请求没有保存提示或回复。未开启捕获（默认）时从不记录提示和回复；在 llmops.yaml 中设置 capture.enabled 后，会为抽样的请求保存脱敏后的内容，直到过期。",
  ],
  "traces.redacted": ["redacted by policy: {policy}", "已按策略脱敏：{policy}"],
  "traces.unredacted": ["stored unredacted (policy: none)", "未脱敏保存（策略：none）"],
  "traces.noText": ["(no text)", "（无文本）"],
  "traces.prompt": ["Prompt", "提示"],
  "traces.response": ["Response", "回复"],

  "audit.summary.ok": [
    "The audit trail is intact: all {n} entries verify up to head {head}….",
    "审计记录完整：全部 {n} 条记录校验通过，链头 {head}…。",
  ],
  "audit.summary.broken": [
    "The audit trail is BROKEN at entry {seq}: {reason}.",
    "审计记录在第 {seq} 条处被破坏：{reason}。",
  ],
  "audit.verify": ["Chain verification", "链校验"],
  "audit.intact": ["chain intact", "链完整"],
  "audit.broken": ["chain broken", "链已损坏"],
  "audit.head": ["head: entry {seq}", "链头：第 {seq} 条"],
  "audit.headHint": [
    "Keep the head hash somewhere else (a ticket, a commit) to detect a rewrite of the whole database.",
    "请将链头哈希另行保存（工单、提交记录），以便发现整个数据库被改写。",
  ],
  "audit.actor": ["Who", "操作者"],
  "audit.action": ["Action", "操作"],
  "audit.actionPlaceholder": ["filter by action, e.g. alias.set", "按操作筛选，例如 alias.set"],
  "audit.target": ["Target", "对象"],
  "audit.details": ["Details", "详情"],

  "settings.summary.admin": [
    "Signed in as {name} ({role}); {active} keys are active.",
    "当前登录：{name}（{role}）；共有 {active} 个有效密钥。",
  ],
  "settings.summary.user": [
    "Signed in as {name} ({role}), which allows {n} kinds of action.",
    "当前登录：{name}（{role}），可执行 {n} 类操作。",
  ],
  "settings.you": ["This key", "当前密钥"],
  "settings.keyName": ["Name", "名称"],
  "settings.role": ["Role", "角色"],
  "settings.keys": ["API keys", "API 密钥"],
  "settings.create": ["Create key", "创建密钥"],
  "settings.createdOnce": ["Copy it now — it is shown only once:", "请立即复制 —— 只显示这一次："],
  "settings.prefix": ["Prefix", "前缀"],
  "settings.lastUsed": ["Last used", "最近使用"],
  "settings.revoked": ["revoked", "已吊销"],
  "settings.thisKey": ["this key", "当前密钥"],
  "settings.revoke": ["Revoke", "吊销"],
  "settings.notAdmin": ["Only admins can list, create and revoke keys.", "只有管理员可以查看、创建和吊销密钥。"],
  "settings.roles": ["Roles and permissions", "角色与权限"],
  "settings.permission": ["Permission", "权限"],

  "explain.summary.intro": [
    "Ask which parts of a prompt made a model answer the way it did: pick a model, type a prompt, and run.",
    "查看提示中的哪些部分让模型给出了这样的回答：选择模型、输入提示，然后运行。",
  ],
  "explain.summary.done": [
    "{model} explained with {method} over {n} prompt pieces: orange raised the answer's chance, blue lowered it.",
    "已用 {method} 解释 {model}，提示共 {n} 段：橙色提高了该回答的概率，蓝色降低了它。",
  ],
  "explain.model": ["Model", "模型"],
  "explain.prompt": ["Prompt", "提示"],
  "explain.promptPlaceholder": ["e.g. the cat sees the moon", "例如：床前明月光，"],
  "explain.targetLabel": ["Target (optional)", "目标文本（可选）"],
  "explain.targetPlaceholder": [
    "the continuation to explain; empty: the model's own greedy answer",
    "要解释的续写；留空则使用模型自己的贪心回答",
  ],
  "explain.method": ["Method", "方法"],
  "explain.group": ["Pieces", "切分单位"],
  "explain.group.token": ["tokens", "词元"],
  "explain.group.word": ["words", "词"],
  "explain.group.sentence": ["sentences", "句子"],
  "explain.budget": ["Budget (model calls)", "预算（模型调用次数）"],
  "explain.run": ["Explain", "解释"],
  "explain.working": ["Working…", "计算中…"],
  "explain.workingHint": [
    "Working… each explanation runs the model many times; this can take from seconds to a few minutes.",
    "计算中… 每次解释需要多次运行模型，可能需要几秒到几分钟。",
  ],
  "explain.methodHint": [
    "occlusion, lime and kernelshap work on any model; ig, gradxinput and attention need the model's weights here (llama GGUFs).",
    "occlusion、lime 和 kernelshap 适用于任何模型；ig、gradxinput 和 attention 需要本地的模型权重（llama GGUF）。",
  ],
  "explain.heatmap": ["What mattered in the prompt", "提示中起作用的部分"],
  "explain.raised": ["raised", "提高"],
  "explain.lowered": ["lowered", "降低"],
  "explain.unit": ["scores in {unit}", "分数单位：{unit}"],
  "explain.target": ["Explained answer", "被解释的回答"],
  "explain.targetGiven": ["given", "指定"],
  "explain.targetGreedy": ["the model's own answer", "模型自己的回答"],
  "explain.faithfulness": ["Faithfulness", "可信度"],
  "explain.deletion": ["Deletion AOPC", "删除 AOPC"],
  "explain.insertion": ["Insertion AOPC", "插入 AOPC"],
  "explain.vsRandom": ["(random order: {value})", "（随机顺序：{value}）"],
  "explain.noRandom": ["(no random comparison: budget too small)", "（无随机对照：预算不足）"],
  "explain.aopcHint": [
    "How much removing (deletion) or adding back (insertion) the top-ranked pieces first changes the answer's log-probability; the further above the random order, the more the heatmap can be trusted.",
    "优先删除（删除）或加回（插入）排名最高的片段时，回答的对数概率变化多少；比随机顺序高得越多，热力图越可信。",
  ],
  "explain.details": ["Details", "详情"],
  "explain.cost": ["Cost", "开销"],
  "explain.costValue": ["{calls} model calls in {seconds} s", "{calls} 次模型调用，用时 {seconds} 秒"],
  "explain.download": ["Download HTML", "下载 HTML"],
} satisfies Record<string, readonly [string, string]>;

export type MsgKey = keyof typeof M;
export type T = (key: MsgKey, params?: Record<string, string | number>) => string;

const LANG_STORAGE = "llmops.lang";

export function translate(lang: Lang, key: MsgKey, params?: Record<string, string | number>): string {
  const text = M[key][lang === "zh" ? 1 : 0];
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}

/** A message key chosen from data (a run status): unknown values map to a fallback key. */
export function knownKey(key: string, fallback: MsgKey): MsgKey {
  return key in M ? (key as MsgKey) : fallback;
}

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t: T;
}

const Context = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_STORAGE);
  if (saved === "en" || saved === "zh") return saved;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function I18nProvider(props: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_STORAGE, next);
    document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    return { lang, setLang, t: (key, params) => translate(lang, key, params) };
  }, [lang, setLang]);
  return createElement(Context.Provider, { value }, props.children);
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
