"""Generates ../openapi.json, the OpenAPI 3 document of the REST API and web view.

Run it after changing a route: python3 tools/gen_openapi.py. TestOpenAPIMatchesRoutes
checks that the document and the router agree; TestOpenAPIValidates lints it.
"""
import json, os
S = lambda name: {"$ref": "#/components/schemas/" + name}
def amount(desc="decimal amount as a string"):
    return {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": desc, "example": "1234.50"}
schemas = {
 "Error": {"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","message"],"properties":{
    "code":{"type":"string","enum":["invalid","conflict","not_found","unauthorized","forbidden","internal","too_large","method_not_allowed","timeout","unsupported_media_type"]},
    "message":{"type":"string"}}}}},
 "Amount": amount(),
 "Account": {"type":"object","required":["account","type","currencies"],"properties":{"account":{"type":"string"},"type":{"type":"string","enum":["asset","liability","equity","income","expense"]},"currencies":{"type":"array","items":{"type":"string"}}}},
 "Balance": {"type":"object","required":["account","type","currency","balance","debit","credit"],"properties":{"account":{"type":"string"},"type":{"type":"string"},"currency":{"type":"string"},"balance":S("Amount"),"debit":S("Amount"),"credit":S("Amount")}},
 "Total": {"type":"object","required":["currency","balance","debits","credits","balanced"],"properties":{"currency":{"type":"string"},"balance":S("Amount"),"debits":S("Amount"),"credits":S("Amount"),"balanced":{"type":"boolean"}}},
 "TrialBalance": {"type":"object","required":["as_of","known_at","closed_through","accounts","totals"],"properties":{"as_of":{"type":"string","format":"date","nullable":True},"known_at":{"type":"string","format":"date-time","nullable":True},"closed_through":{"type":"string","format":"date","nullable":True},"accounts":{"type":"array","items":S("Balance")},"totals":{"type":"array","items":S("Total")}}},
 "CurrencyAmount": {"type":"object","required":["currency","amount"],"properties":{"currency":{"type":"string"},"amount":S("Amount")}},
 "AccountBalance": {"type":"object","required":["account","as_of","known_at","balances"],"properties":{"account":{"type":"string"},"as_of":{"type":"string","format":"date","nullable":True},"known_at":{"type":"string","format":"date-time","nullable":True},"balances":{"type":"array","items":S("CurrencyAmount")}}},
 "Posting": {"type":"object","required":["account","amount","currency"],"properties":{"account":{"type":"string"},"amount":S("Amount"),"currency":{"type":"string"}}},
 "Entry": {"type":"object","required":["id","source","external_id","date","recorded_at","description","meta","postings","prev_hash","hash"],"properties":{
    "id":{"type":"integer","format":"int64"},"source":{"type":"string"},"external_id":{"type":"string"},"date":{"type":"string","format":"date"},"recorded_at":{"type":"string","format":"date-time"},
    "description":{"type":"string"},"meta":{"type":"object","additionalProperties":{"type":"string"}},"reverses":{"type":"integer","format":"int64"},"postings":{"type":"array","items":S("Posting")},"prev_hash":{"type":"string"},"hash":{"type":"string"}}},
 "EntryDetail": {"allOf":[S("Entry"),{"type":"object","required":["events"],"properties":{"events":{"type":"array","items":S("Event")},"events_next":{"type":"string","description":"the API address of the rest of the entry's events"}}}]},
 "Event": {"type":"object","required":["id","source","event_id","occurred_at","seller","channel","amount","currency","meta","batch_id","entry_id","late"],"properties":{
    "id":{"type":"integer","format":"int64"},"source":{"type":"string"},"event_id":{"type":"string"},"occurred_at":{"type":"string","description":"RFC 3339 timestamp, or a date when the CSV gave only a date"},
    "seller":{"type":"string"},"channel":{"type":"string"},"customer":{"type":"string"},"product":{"type":"string"},"region":{"type":"string"},"quantity":S("Amount"),"unit_price":S("Amount"),"amount":S("Amount"),"currency":{"type":"string"},
    "meta":{"type":"object","additionalProperties":{"type":"string"}},"batch_id":{"type":"integer","format":"int64"},"entry_id":{"type":"integer","format":"int64"},"late":{"type":"boolean"}}},
 "ImportBatch": {"type":"object","required":["id","kind","source","file","sha256","mode","status","rows","posted","duplicates","rejected","late","entries","started_at"],"properties":{
    "id":{"type":"integer","format":"int64"},"kind":{"type":"string","enum":["usage","rates"]},"source":{"type":"string"},"file":{"type":"string"},"sha256":{"type":"string"},
    "mode":{"type":"string","enum":["all","partial"]},"status":{"type":"string","description":"running (or interrupted) | complete"},
    "rows":{"type":"integer"},"posted":{"type":"integer"},"duplicates":{"type":"integer"},"rejected":{"type":"integer"},"late":{"type":"integer"},"entries":{"type":"integer"},
    "started_at":{"type":"string","format":"date-time"},"finished_at":{"type":"string","format":"date-time"}}},
 "ImportResult": {"type":"object","required":["batch","file","source","sha256","dry_run","rows","posted","duplicates","rejected","late","entries","rejects"],"properties":{
    "batch":{"type":"integer","format":"int64","description":"0 for a dry run or an import that posted nothing"},"file":{"type":"string"},"source":{"type":"string"},"sha256":{"type":"string"},"dry_run":{"type":"boolean"},
    "rows":{"type":"integer"},"posted":{"type":"integer"},"duplicates":{"type":"integer"},"rejected":{"type":"integer"},"late":{"type":"integer"},"entries":{"type":"integer"},
    "rejects":{"type":"array","items":S("RowReject"),"description":"the first 1000 rejected rows (allow_partial)"}}},
 "RejectError": {"type":"object","required":["column","value","reason"],"properties":{"column":{"type":"string","description":"empty when the reason concerns the whole row"},"value":{"type":"string"},"reason":{"type":"string"}}},
 "ImportReject": {"type":"object","required":["line","errors","record"],"description":"a rejected row of a partial import, as stored",
    "properties":{"line":{"type":"integer","description":"physical line of the file where the row starts"},"errors":{"type":"array","items":S("RejectError")},
    "record":{"type":"array","items":{"type":"string"},"description":"the row's fields as read (invalid UTF-8 shows as U+FFFD)"}}},
 "ImportDetail": {"allOf":[S("ImportBatch"),{"type":"object","required":["reject_columns","rejects"],"properties":{
    "reject_columns":{"type":"array","items":{"type":"string"},"description":"the file's header, which the rejects' records follow; empty when no rejects are stored"},
    "rejects":{"type":"array","items":S("ImportReject"),"description":"the first 100 stored rejects, by line (only partial imports store them)"},
    "rejects_next":{"type":"string","description":"when there are more: the cursor of GET /api/v1/imports/{id}/rejects for the rest"}}}]},
 "ImportRejectList": {"type":"object","required":["columns","items","next_cursor"],"properties":{
    "columns":{"type":"array","items":{"type":"string"},"description":"the file's header, which the records follow; empty when no rejects are stored"},
    "items":{"type":"array","items":S("ImportReject")},"next_cursor":{"type":"string","description":"pass as cursor for the next page; empty on the last page"}}},
 "RowReject": {"type":"object","required":["line","column","value","reason"],"properties":{"line":{"type":"integer"},"column":{"type":"string"},"value":{"type":"string"},"reason":{"type":"string"}}},
 "Rule": {"type":"object","required":["id","payer","payee","match","cap"],"properties":{"id":{"type":"string"},"payer":{"type":"string"},"payee":{"type":"string"},
    "match":{"type":"object","additionalProperties":{"type":"array","items":{"type":"string"}}},"rate":S("Amount"),"tiers":{"type":"array","items":{"type":"object","additionalProperties":{"type":"string"}}},
    "tier_window":{"type":"string"},"from":{"type":"string","format":"date"},"through":{"type":"string","format":"date","description":"inclusive end, when the contract wrote it so (until is then the next day)"},"until":{"type":"string","format":"date","description":"exclusive end"},"cap":{"type":"object","additionalProperties":S("Amount")},
    "minimum":{"type":"object","additionalProperties":S("Amount")},"fx_rule":{"type":"string"}}},
 "Contract": {"type":"object","required":["id","name","version","currency","timezone","period","rounding","parties","rules","amendments"],"properties":{
    "id":{"type":"string"},"name":{"type":"string"},"version":{"type":"integer"},"currency":{"type":"string"},"timezone":{"type":"string"},"period":{"type":"string","enum":["month","quarter","year"]},
    "rounding":{"type":"string","enum":["half_up","half_even"]},"parties":{"type":"array","items":{"type":"string"}},"rules":{"type":"array","items":S("Rule")},
    "amendments":{"type":"array","items":{"type":"object","required":["date","note"],"properties":{"date":{"type":"string","format":"date"},"note":{"type":"string"}}}}}},
 "StatementSummary": {"type":"object","required":["period","status"],"properties":{"period":{"type":"string","example":"2026-03"},"status":{"type":"string","enum":["draft","final"]},"hash":{"type":"string"}}},
 "Statement": {"type":"object","description":"A period statement (spec section 5).","required":["contract","period","status","currency","rules","pairs","hash"],"properties":{
    "contract":{"type":"string"},"contract_name":{"type":"string"},"contract_version":{"type":"integer"},
    "period":{"type":"object","required":["label","start","end"],"properties":{"label":{"type":"string"},"start":{"type":"string","format":"date"},"end":{"type":"string","format":"date"},"timezone":{"type":"string","description":"The contract's time zone: start and end are local days there. Absent in statements finalized before it was added."}}},
    "status":{"type":"string","enum":["draft","final"]},"currency":{"type":"string"},
    "rules":{"type":"array","items":{"type":"object","additionalProperties":True,"required":["rule","payer","payee","base","events","gross","caps","obligation","minimum_true_up","adjustments"],"properties":{
        "rule":{"type":"string"},"payer":{"type":"string"},"payee":{"type":"string"},"base":S("Amount"),"events":{"type":"integer"},"gross":S("Amount"),
        "caps":{"type":"array","items":{"type":"object","additionalProperties":True,"required":["kind","limit","consumed_before","applied","remaining_after"],"properties":{"kind":{"type":"string","enum":["total","per_year","per_period"]},"limit":S("Amount"),"consumed_before":S("Amount"),"applied":S("Amount"),"remaining_after":S("Amount")}}},
        "obligation":S("Amount"),"refund_floor":S("Amount"),"minimum_true_up":S("Amount"),
        "adjustments":{"type":"array","items":{"type":"object","additionalProperties":True,"required":["period","base_delta","obligation_delta"],"properties":{"period":{"type":"string"},"base_delta":S("Amount"),"obligation_delta":S("Amount")}}}}}},
    "pairs":{"type":"array","items":{"type":"object","additionalProperties":True,"required":["payer","payee","obligations","reverse_obligations","net","opening_balance","payments","closing_balance"],"properties":{
        "payer":{"type":"string"},"payee":{"type":"string"},"obligations":S("Amount"),"reverse_obligations":S("Amount"),"net":S("Amount"),"opening_balance":S("Amount"),"payments":S("Amount"),"closing_balance":S("Amount")}}},
    "hash":{"type":"string"}}},
 "StatementLineEvents": {"type":"object","required":["contract","period","rule","total","items","next_cursor"],"properties":{
    "contract":{"type":"string"},"period":{"type":"string","example":"2026-03"},"rule":{"type":"string"},
    "total":{"type":"integer","description":"how many events the line has, on every page"},"items":{"type":"array","items":S("Event")},
    "next_cursor":{"type":"string","description":"pass as cursor for the next page; empty on the last page"}}},
 "Cap": {"type":"object","required":["rule","kind","limit","consumed","remaining","projected_binding"],"properties":{"rule":{"type":"string"},"kind":{"type":"string","enum":["total","per_year","per_period"]},"period":{"type":"string"},
    "limit":S("Amount"),"consumed":S("Amount"),"remaining":S("Amount"),"projected_binding":{"type":"string","description":"the period in which the cap is projected to bind, or never"}}},
 "Caps": {"type":"object","required":["contract","as_of","caps"],"properties":{"contract":{"type":"string"},"as_of":{"type":"string"},"caps":{"type":"array","items":S("Cap")}}},
 "VerifyResult": {"type":"object","required":["ok","entries","head_hash"],"properties":{"ok":{"type":"boolean"},"violation":{"type":"string"},"entry_id":{"type":"integer","format":"int64"},"entries":{"type":"integer","format":"int64"},"head_hash":{"type":"string"}}},
 "RunRequest": {"type":"object","required":["through"],"additionalProperties":False,"properties":{"through":{"type":"string","example":"2026-03","description":"period label: YYYY-MM, YYYY-Qn or YYYY"}}},
 "PaymentRequest": {"type":"object","required":["contract","payer","payee","amount","date"],"additionalProperties":False,"properties":{"contract":{"type":"string"},"payer":{"type":"string"},"payee":{"type":"string"},"amount":S("Amount"),"date":{"type":"string","format":"date"},"reference":{"type":"string"}}},
 "TokenRequest": {"type":"object","required":["role"],"additionalProperties":False,"properties":{"name":{"type":"string"},"role":{"type":"string","enum":["auditor","analyst","finance","admin"]}}},
 "Token": {"type":"object","required":["id","name","role","created_at"],"properties":{"id":{"type":"integer","format":"int64"},"name":{"type":"string"},"role":{"type":"string","enum":["auditor","analyst","finance","admin"]},"created_at":{"type":"string","format":"date-time"},"revoked_at":{"type":"string","format":"date-time"}}},
 "CreatedToken": {"allOf":[S("Token"),{"type":"object","required":["token"],"properties":{"token":{"type":"string","description":"the secret, shown only in this response"}}}]},
 "Result": {"type":"object","additionalProperties":True,"description":"the operation's summary, as the matching CLI command prints it with --format json"},
 "Health": {"type":"object","required":["status"],"properties":{"status":{"type":"string"}}},
 "APIIndex": {"type":"object","required":["name","openapi","web_view","links"],"properties":{"name":{"type":"string"},"openapi":{"type":"string","description":"the address of this document"},
    "web_view":{"type":"string","description":"the address of the auditors' web view"},
    "links":{"type":"array","items":{"type":"object","required":["rel","href","methods"],"properties":{"rel":{"type":"string","description":"the route's name"},"href":{"type":"string","description":"its path; {name} is a path variable"},"methods":{"type":"array","items":{"type":"string"}}}}}}},
}
def listOf(name):
    return {"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":S(name)},"next_cursor":{"type":"string","description":"pass as cursor for the next page; empty on the last page"}}}
for n in ["Account","Entry","Event","ImportBatch","Contract","StatementSummary","Token"]:
    schemas[n+"List"] = listOf(n)

P = lambda name: {"$ref":"#/components/parameters/"+name}
params = {
 "cursor":{"name":"cursor","in":"query","required":False,"schema":{"type":"string"},"description":"opaque cursor: the next_cursor of the previous page"},
 "limit":{"name":"limit","in":"query","required":False,"schema":{"type":"integer","minimum":1,"maximum":1000,"default":100},"description":"page size; above 1000 is a 400"},
 "formatCSV":{"name":"format","in":"query","required":False,"schema":{"type":"string","enum":["json","csv"],"default":"json"}},
 "as_of":{"name":"as_of","in":"query","required":False,"schema":{"type":"string","format":"date"},"description":"effective dates up to and including this date"},
 "known_at":{"name":"known_at","in":"query","required":False,"schema":{"type":"string"},"description":"the ledger as recorded at this instant (RFC 3339; a date means the end of that day, UTC)"},
 "from":{"name":"from","in":"query","required":False,"schema":{"type":"string","format":"date"},"description":"inclusive; from..to spans at most 9150 days"},
 "to":{"name":"to","in":"query","required":False,"schema":{"type":"string","format":"date"},"description":"inclusive"},
 "id":{"name":"id","in":"path","required":True,"schema":{"type":"integer","format":"int64","minimum":1}},
 "contractId":{"name":"id","in":"path","required":True,"schema":{"type":"string"},"description":"contract id"},
 "period":{"name":"period","in":"path","required":True,"schema":{"type":"string"},"description":"period label: 2026-03, 2026-Q1 or 2026"},
 "rule":{"name":"rule","in":"query","required":True,"schema":{"type":"string"},"description":"the statement line's rule id"},
 "account":{"name":"account","in":"path","required":True,"schema":{"type":"string"},"description":"account name, e.g. liabilities:revshare:openai:microsoft"},
}
E = lambda desc: {"description":desc,"content":{"application/json":{"schema":S("Error")}}}
R = lambda name: {"$ref":"#/components/responses/"+name}
responses = {
 "BadRequest":E("invalid request (bad parameter, cursor, limit, date range or body)"),
 "Unauthorized":E("no token, or an unknown or revoked one"),
 "Forbidden":E("the token's role may not do this"),
 "NotFound":E("no such resource"),
 "Conflict":E("conflicts with what is stored"),
 "TooLarge":E("request body over the limit"),
 "UnsupportedMediaType":E("the body's Content-Type is not one this route takes (a request without Content-Type is read as the route's type)"),
 "Internal":E("internal error (logged in full on the server)"),
}
def errs(*extra):
    r = {"400":R("BadRequest"),"401":R("Unauthorized"),"403":R("Forbidden"),"500":R("Internal")}
    for e in extra:
        r[e] = R({"404":"NotFound","409":"Conflict","413":"TooLarge"}[e])
    return r
def ok(schema, code="200", csv=False, desc="OK"):
    c = {"application/json":{"schema":S(schema)}}
    if csv: c["text/csv"] = {"schema":{"type":"string"}}
    return {code:{"description":desc,"content":c}}
def op(opid, summary, tag, resp, parameters=(), body=None, public=False, roles="auditor, analyst, finance, admin", extra_err=()):
    o = {"operationId":opid,"summary":summary,"tags":[tag],"description":("No token needed." if public else "Roles: "+roles+"."),"responses":{}}
    o["responses"].update(resp)
    if public:
        o["security"] = []
        o["responses"]["400"] = R("BadRequest")
        o["responses"]["500"] = R("Internal")
    else:
        o["responses"].update(errs(*extra_err))
    if parameters: o["parameters"] = list(parameters)
    if body:
        o["requestBody"] = body
        o["responses"]["415"] = R("UnsupportedMediaType")
    return o
READ="auditor, analyst, finance, admin"; WRITE="finance, admin"
YAML_ALIASES = {t:{"schema":{"type":"string"}} for t in ["application/x-yaml","text/yaml","text/x-yaml"]}
html = lambda desc="an HTML page": {"200":{"description":desc,"content":{"text/html":{"schema":{"type":"string"}}}},"303":{"description":"no or bad token cookie: to the login form"}}
def webop(opid, summary, parameters=(), public=False, resp=None):
    o = {"operationId":opid,"summary":summary,"tags":["web"],"description":"Web view page (HTML, token in the revshare_token cookie). " + ("No token needed." if public else "Roles: "+READ+"."),
         "responses": resp or html()}
    o["responses"]["403"] = {"description":"the role may not read","content":{"text/html":{"schema":{"type":"string"}}}}
    o["responses"]["500"] = {"description":"internal error","content":{"text/html":{"schema":{"type":"string"}}}}
    if public or resp is not None:
        o["security"] = [] if public else [{"cookieToken":[]}]
    else:
        o["security"] = [{"cookieToken":[]}]
    if parameters: o["parameters"] = list(parameters)
    return o
JSONBODY = lambda schema: {"required":True,"content":{"application/json":{"schema":S(schema)}}}
index = lambda opid: {"get":op(opid,"Index: every route of the API, with its methods","operations",ok("APIIndex"),public=True)}
health = lambda opid: {"get":op(opid,"Liveness (503 while shutting down)","operations",{"200":{"description":"serving","content":{"application/json":{"schema":S("Health")}}},"503":{"description":"shutting down","content":{"application/json":{"schema":S("Health")}}}},public=True)}
metrics = lambda opid: {"get":op(opid,"Prometheus metrics","operations",{"200":{"description":"Prometheus text format","content":{"text/plain":{"schema":{"type":"string"}}}}},public=True)}
WEBCSV = {"name":"format","in":"query","required":False,"schema":{"type":"string","enum":["csv"]},"description":"csv: download instead of the page"}
paths = {
 "/api/v1":index("apiIndex"),
 "/healthz":health("rootHealthz"),
 "/metrics":metrics("rootMetrics"),
 "/api/v1/healthz":{"get":op("healthz","Liveness (503 while shutting down)","operations",{"200":{"description":"serving","content":{"application/json":{"schema":S("Health")}}},"503":{"description":"shutting down","content":{"application/json":{"schema":S("Health")}}}},public=True)},
 "/api/v1/openapi.json":{"get":op("openapi","This document","operations",{"200":{"description":"the OpenAPI 3 document","content":{"application/json":{"schema":{"type":"object"}}}}},public=True)},
 "/api/v1/metrics":{"get":op("metrics","Prometheus metrics","operations",{"200":{"description":"Prometheus text format","content":{"text/plain":{"schema":{"type":"string"}}}}},public=True)},
 "/api/v1/accounts":{"get":op("listAccounts","Accounts with postings","ledger",ok("AccountList",csv=True),[P("cursor"),P("limit"),P("formatCSV")])},
 "/api/v1/accounts/{account}/balance":{"get":op("accountBalance","An account's balance, sub-accounts included","ledger",ok("AccountBalance"),[P("account"),P("as_of"),P("known_at")],extra_err=("404",))},
 "/api/v1/trial-balance":{"get":op("trialBalance","Trial balance as of a date, as known at an instant","ledger",ok("TrialBalance",csv=True),[P("as_of"),P("known_at"),P("formatCSV")])},
 "/api/v1/entries":{"get":op("listEntries","Journal entries in ID order","ledger",ok("EntryList",csv=True),[P("cursor"),P("limit"),P("formatCSV"),
    {"name":"account","in":"query","required":False,"schema":{"type":"string"},"description":"entries with a posting on this account or below it"},P("from"),P("to"),
    {"name":"contract","in":"query","required":False,"schema":{"type":"string"}},P("known_at")])},
 "/api/v1/entries/{id}":{"get":op("getEntry","An entry with its postings and source events","ledger",ok("EntryDetail"),[P("id")],extra_err=("404",))},
 "/api/v1/events":{"get":op("listEvents","Usage events in ID order","usage",ok("EventList",csv=True),[P("cursor"),P("limit"),P("formatCSV")]+
    [{"name":n,"in":"query","required":False,"schema":{"type":"string"}} for n in ["source","seller","channel"]]+
    [{"name":n,"in":"query","required":False,"schema":{"type":"string"},"description":"events whose "+n+" is exactly this"} for n in ["customer","product","region","currency"]]+[P("from"),P("to"),
    {"name":"batch","in":"query","required":False,"schema":{"type":"integer","format":"int64"},"description":"events of this import"},
    {"name":"entry","in":"query","required":False,"schema":{"type":"integer","format":"int64"},"description":"events carried by this entry"}])},
 "/api/v1/events/{id}":{"get":op("getEvent","One usage event","usage",ok("Event"),[P("id")],extra_err=("404",))},
 "/api/v1/imports":{"get":op("listImports","Import batches","usage",ok("ImportBatchList",csv=True),[P("cursor"),P("limit"),P("formatCSV")])},
 "/api/v1/imports/{id}":{"get":op("getImport","An import: rows, duplicates, rejects","usage",ok("ImportDetail"),[P("id")],extra_err=("404",))},
 "/api/v1/imports/{id}/rejects":{"get":op("listImportRejects","The stored rejects of a partial import, by line (CSV: the file's columns, then line and reason)","usage",ok("ImportRejectList",csv=True),[P("id"),P("cursor"),P("limit"),P("formatCSV")],extra_err=("404",))},
 "/api/v1/imports/usage":{"post":op("importUsage","Import a usage CSV (one batch)","usage",ok("ImportResult"),[
    {"name":"source","in":"query","required":False,"schema":{"type":"string","default":"default"}},
    {"name":"file","in":"query","required":False,"schema":{"type":"string"},"description":"file name recorded with the batch"},
    {"name":"allow_partial","in":"query","required":False,"schema":{"type":"boolean"}},
    {"name":"dry_run","in":"query","required":False,"schema":{"type":"boolean"}}],
    body={"required":True,"content":{"text/csv":{"schema":{"type":"string"}}},"description":"the CSV, at most 64 MiB"},roles=WRITE,extra_err=("409","413"))},
 "/api/v1/contracts":{
    "get":op("listContracts","Contracts (latest versions)","contracts",ok("ContractList",csv=True),[P("cursor"),P("limit"),P("formatCSV")]),
    "post":op("addContract","Add or update a contract (YAML or JSON document)","contracts",ok("Result","201",desc="stored"),
        body={"required":True,"content":{"application/yaml":{"schema":{"type":"string"}},"application/json":{"schema":{"type":"object"}},**YAML_ALIASES}},roles=WRITE,extra_err=("409","413"))},
 "/api/v1/contracts/{id}":{"get":op("getContract","One contract","contracts",ok("Contract"),[P("contractId")],extra_err=("404",))},
 "/api/v1/contracts/{id}/statements":{"get":op("listStatements","A contract's statements by period","statements",ok("StatementSummaryList",csv=True),[P("contractId"),P("cursor"),P("limit"),P("formatCSV")],extra_err=("404",))},
 "/api/v1/contracts/{id}/statements/{period}":{"get":op("getStatement","A period statement","statements",
    {"200":{"description":"the statement","content":{"application/json":{"schema":S("Statement")},"text/csv":{"schema":{"type":"string"}},"text/markdown":{"schema":{"type":"string"}},"text/html":{"schema":{"type":"string"}}}}},
    [P("contractId"),P("period"),{"name":"format","in":"query","required":False,"schema":{"type":"string","enum":["json","csv","md","html"],"default":"json"}}],extra_err=("404",))},
 "/api/v1/contracts/{id}/statements/{period}/events":{"get":op("listStatementLineEvents","The events behind one statement line: exactly the rule line's event_ids, in order","statements",ok("StatementLineEvents",csv=True),
    [P("contractId"),P("period"),P("rule"),P("cursor"),P("limit"),P("formatCSV")],extra_err=("404",))},
 "/api/v1/contracts/{id}/caps":{"get":op("getCaps","Cap consumption, remaining and projected binding","contracts",ok("Caps",csv=True),[P("contractId"),P("as_of"),P("formatCSV")],extra_err=("404",))},
 "/api/v1/verify":{"get":op("verify","Check every invariant","ledger",ok("VerifyResult"))},
 "/api/v1/runs":{"post":op("run","Compute and book obligations through a period","runs",ok("Result"),body=JSONBODY("RunRequest"),roles=WRITE,extra_err=("409","413"))},
 "/api/v1/periods/{period}/close":{"post":op("closePeriod","Close every period up to and including this one","runs",ok("Result"),[P("period")],roles=WRITE,extra_err=("409",))},
 "/api/v1/payments":{"post":op("pay","Record a payment","runs",ok("Result","201",desc="recorded"),body=JSONBODY("PaymentRequest"),roles=WRITE,extra_err=("404","409","413"))},
 "/api/v1/scenarios":{"post":op("runScenario","Evaluate a cap scenario (never writes)","scenarios",ok("Result"),
    body={"required":True,"content":{"application/yaml":{"schema":{"type":"string"}},"application/json":{"schema":{"type":"object"}},**YAML_ALIASES}},roles="analyst, admin",extra_err=("404","413"))},
 "/api/v1/tokens":{
    "get":op("listTokens","API tokens (never their secrets)","admin",ok("TokenList"),[P("cursor"),P("limit")],roles="admin"),
    "post":op("createToken","Create a token; its secret is in this response only","admin",ok("CreatedToken","201",desc="created"),body=JSONBODY("TokenRequest"),roles="admin")},
 "/api/v1/tokens/{id}":{"delete":op("revokeToken","Revoke a token","admin",{"200":{"description":"revoked","content":{"application/json":{"schema":{"type":"object","properties":{"revoked":{"type":"integer","format":"int64"}}}}}}},[P("id")],roles="admin",extra_err=("404","409"))},
 "/":{"get":webop("webIndex","Web view: the dashboard (amounts due, caps, closed-through, last import, verification)")},
 "/web/login":{"get":webop("webLoginForm","Web view: the login form",[{"name":"next","in":"query","required":False,"schema":{"type":"string"}}],public=True,resp={"200":{"description":"the form","content":{"text/html":{"schema":{"type":"string"}}}}}),
    "post":{"operationId":"webLogin","summary":"Web view: log in with a token (sets an HttpOnly, SameSite=Strict cookie)","tags":["web"],"security":[],
        "requestBody":{"required":True,"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","required":["token"],"properties":{"token":{"type":"string"},"next":{"type":"string"}}}}}},
        "responses":{"303":{"description":"logged in: to the next page"},"401":{"description":"bad token: the form again","content":{"text/html":{"schema":{"type":"string"}}}},"403":{"description":"the role may not read","content":{"text/html":{"schema":{"type":"string"}}}}}}},
 "/web/logout":{"post":{"operationId":"webLogout","summary":"Web view: log out (clears the cookie)","tags":["web"],"security":[],"responses":{"303":{"description":"to the login form"},"400":{"description":"bad form","content":{"text/html":{"schema":{"type":"string"}}}}}}},
 "/web/style.css":{"get":{"operationId":"webStyle","summary":"Web view: the style sheet (screen and print)","tags":["web"],"security":[],"parameters":[{"name":"v","in":"query","required":False,"schema":{"type":"string"},"description":"the sheet's version (pages link it with its content hash)"}],"responses":{"200":{"description":"CSS","content":{"text/css":{"schema":{"type":"string"}}}},"400":{"description":"unknown query parameter","content":{"text/html":{"schema":{"type":"string"}}}}}}},
 "/web/trial-balance":{"get":webop("webTrialBalance","Web view: trial balance (format=csv: the API's CSV, downloaded with the cookie)",[P("as_of"),P("known_at"),WEBCSV])},
 "/web/entries":{"get":webop("webEntries","Web view: journal entries",[P("cursor"),P("limit"),{"name":"account","in":"query","required":False,"schema":{"type":"string"}},P("from"),P("to"),{"name":"contract","in":"query","required":False,"schema":{"type":"string"}},P("known_at")])},
 "/web/entries/{id}":{"get":webop("webEntry","Web view: an entry, its postings and its events",[P("id")])},
 "/web/events":{"get":webop("webEvents","Web view: usage events (format=csv: this page as CSV)",[P("cursor"),P("limit"),WEBCSV]+[{"name":n,"in":"query","required":False,"schema":{"type":"string"}} for n in ["source","seller","channel","customer","product","region","currency","batch","entry"]]+[P("from"),P("to")])},
 "/web/events/{id}":{"get":webop("webEvent","Web view: one usage event",[P("id")])},
 "/web/imports":{"get":webop("webImports","Web view: imports",[P("cursor"),P("limit")])},
 "/web/imports/{id}":{"get":webop("webImport","Web view: one import and its rejects (100 a page)",[P("id"),P("cursor")])},
 "/web/contracts":{"get":webop("webContracts","Web view: contracts",[P("cursor"),P("limit")])},
 "/web/contracts/{id}":{"get":webop("webContract","Web view: a contract, its caps and statements",[P("contractId"),P("as_of")])},
 "/web/contracts/{id}/statements/{period}":{"get":webop("webStatement","Web view: a period statement in the site layout, with the previous and next periods and downloads; format=csv|json|md downloads it, format=html is the printable document",[P("contractId"),P("period"),{"name":"format","in":"query","required":False,"schema":{"type":"string","enum":["csv","json","md","html"]}}])},
 "/web/contracts/{id}/statements/{period}/events":{"get":webop("webStatementLineEvents","Web view: the events behind one statement line, their total against the line's base (format=csv: every event of the line)",[P("contractId"),P("period"),P("rule"),P("cursor"),P("limit"),WEBCSV])},
}
doc = {
 "openapi":"3.0.3",
 "info":{"title":"revshare REST API","version":"1.0.0","description":"Revenue-share ledger: reports for auditors, imports and runs for finance, scenarios for analysts (spec section 7). Amounts are decimal strings. Lists paginate with an opaque cursor. Errors are {\"error\":{\"code\",\"message\"}}.",
   "license":{"name":"Proprietary","url":"https://revshare.invalid/license"}},
 "servers":[{"url":"http://127.0.0.1:8080","description":"revshare serve (default address)"}],
 "security":[{"bearerToken":[]}],
 "tags":[{"name":n,"description":d} for n,d in [("ledger","journal, balances, verification"),("usage","usage events and imports"),("contracts","contracts and caps"),("statements","period statements"),("runs","runs, closes and payments"),("scenarios","cap scenarios"),("admin","token management"),("operations","health, metrics, this document"),("web","the auditors' HTML view")]],
 "paths":paths,
 "components":{"securitySchemes":{"bearerToken":{"type":"http","scheme":"bearer","description":"revshare token create --role ROLE"},
    "cookieToken":{"type":"apiKey","in":"cookie","name":"revshare_token","description":"set by POST /web/login"}},
    "parameters":params,"responses":responses,"schemas":schemas},
}
json.dump(doc, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "openapi.json"),"w"), indent=2)
