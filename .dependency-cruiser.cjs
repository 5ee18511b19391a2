// `npm run lint` runs this over the program, the notifier, the scripts and the test kit (the file list
// is in package.json). Type-only imports count: a circle closed by `import type` is still a circle.
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import circles: a module that needs a name from its importer takes it from a leaf module.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-command-imports-command",
      severity: "error",
      comment:
        "A command under scripts/ (its entry file scripts/<command>.ts or its folder scripts/<command>/) imports " +
        "no other command; what several commands use lives in scripts/shared/ or scripts/trail/, which import no command.",
      from: { path: "^scripts/([^/.]+)" },
      to: { path: "^scripts/", pathNot: ["^scripts/$1(\\.ts$|/)", "^scripts/(shared|trail)/"] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
  },
};
