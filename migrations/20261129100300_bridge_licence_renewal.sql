-- Databases whose reference services were published before the licence renewal existed: the
-- driving-licences service gains its POST endpoint (and its description), and the bridge's backend
-- key for the registries may write (renewals only accept registries:write). New databases get both
-- when the services are first published.
UPDATE bridge_services v
   SET openapi = jsonb_set(v.openapi, ARRAY['paths', '/people/{nin}/driving-licences/{number}/renewal'],
         '{"post": {"summary": "Renew a driving licence: issued today, valid N years", "parameters": [{"name": "nin", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "number", "in": "path", "required": true, "schema": {"type": "string"}}], "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"years": {"type": "integer"}}}}}}, "responses": {"200": {"description": "Renewed"}}}}'::jsonb)
  FROM bridge_subsystems s
 WHERE s.id = v.subsystem_id AND s.code = 'registries' AND v.code = 'driving-licences' AND v.version = 'v1'
   AND NOT (v.openapi->'paths' ? '/people/{nin}/driving-licences/{number}/renewal');

INSERT INTO bridge_endpoints (id, service_id, method, path, enabled)
SELECT gen_random_uuid(), v.id, 'POST', '/people/{nin}/driving-licences/{number}/renewal', true
  FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id
 WHERE s.code = 'registries' AND v.code = 'driving-licences' AND v.version = 'v1'
ON CONFLICT (service_id, method, path) DO NOTHING;

UPDATE api_keys SET roles = array_append(roles, 'registries:write')
 WHERE label = 'Digital Bridge: reference services backend' AND actor_kind = 'system'
   AND NOT ('registries:write' = ANY(roles));

UPDATE bridge_state SET version = version + 1 WHERE id = 1;
