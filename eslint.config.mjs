import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "bin/", ".tools/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Re-exports only in index.ts files: a module is imported from the file that defines it.
    files: ["**/*.ts"],
    ignores: ["**/index.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "ExportAllDeclaration", message: "Re-export only from an index.ts file." },
        { selector: "ExportNamedDeclaration[source]", message: "Re-export only from an index.ts file." },
      ],
    },
  },
  {
    // Tests read arbitrary JSON captured from the program and from AWS requests.
    files: ["tests/**/*.ts", "testkit/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        __dirname: "readonly",
        module: "writable",
        process: "readonly",
        console: "readonly",
      },
    },
  },
);
