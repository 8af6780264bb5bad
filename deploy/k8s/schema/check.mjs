// Checks every object of a multi-document YAML file (what `kubectl kustomize` prints) against the
// Kubernetes API schemas that the kubernetes-models package was generated with: types, formats,
// enumerations and required fields. Prints one JSON line per problem
// ({"object": "<kind>/<name>", "path": "/spec/replicas", "message": "..."}) and exits 1 when there
// is any, 0 when every object is valid, 2 when it cannot run. Offline: no cluster, no download.
//   node deploy/k8s/schema/check.mjs rendered.yaml
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";

const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node check.mjs FILE.yaml");
  process.exit(2);
}

const problems = [];
const report = (object, path, message) => problems.push({ object, path, message });

const documents = parseAllDocuments(await readFile(file, "utf8"));
for (const [index, document] of documents.entries()) {
  if (document.errors.length > 0) {
    report(`document ${index}`, "", document.errors.map((e) => e.message).join("; "));
    continue;
  }

  const object = document.toJS();
  if (object === null || object === undefined) {
    continue;
  }

  const { apiVersion, kind } = object;
  const name = `${kind}/${object.metadata?.name ?? `document ${index}`}`;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    report(name, "", "apiVersion and kind must be strings");
    continue;
  }

  // kustomize folds long base64 values over lines; Kubernetes decodes base64 ignoring line breaks.
  for (const field of kind === "Secret" ? ["data"] : kind === "ConfigMap" ? ["binaryData"] : []) {
    for (const [key, value] of Object.entries(object[field] ?? {})) {
      if (typeof value === "string") {
        object[field][key] = value.replace(/[\r\n]/g, "");
      }
    }
  }

  // The package's layout is its apiVersion: kubernetes-models/apps/v1, kubernetes-models/v1.
  let model;
  try {
    model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
  } catch {
    model = undefined;
  }

  if (typeof model !== "function") {
    report(name, "", `no Kubernetes schema for apiVersion ${apiVersion}, kind ${kind}`);
    continue;
  }

  try {
    new model(object).validate();
  } catch (error) {
    for (const e of error.errors ?? [{ instancePath: "", message: error.message }]) {
      const detail = e.params?.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : "";
      report(name, e.instancePath, `${e.message}${detail}`);
    }
  }
}

for (const problem of problems) {
  console.log(JSON.stringify(problem));
}

process.exit(problems.length === 0 ? 0 : 1);
