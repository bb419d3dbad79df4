-- Argo CD health of a VvpDeployment (vvp-apiserver), read from the conditions the server computes from the
-- platform on every read: Stalled=True (needs action) is Degraded, Reconciling=True (the platform is getting
-- there) is Progressing, Healthy=True is Healthy (Suspended for a SUSPENDED deployment, as Argo CD names a
-- deliberately paused workload). A status that has not observed the latest generation is Progressing.
local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then return c end
  end
  return nil
end

local hs = { status = "Progressing", message = "Waiting for the platform's status" }
if obj.status == nil or obj.status.observedGeneration == nil or obj.status.observedGeneration ~= obj.metadata.generation then
  return hs
end
if obj.metadata.deletionTimestamp ~= nil then
  local blocked = condition("DeletionBlocked")
  hs.message = "Deleting"
  if blocked ~= nil and blocked.message ~= nil then hs.message = "Deleting: " .. blocked.message end
  return hs
end
local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  return { status = "Degraded", message = stalled.message }
end
local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  return { status = "Progressing", message = reconciling.message }
end
local healthy = condition("Healthy")
if healthy ~= nil and healthy.status == "True" then
  if healthy.reason == "Suspended" then return { status = "Suspended", message = healthy.message } end
  return { status = "Healthy", message = healthy.message }
end
if healthy ~= nil and healthy.message ~= nil then hs.message = healthy.message end
return hs
