import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;

/**
 * `helm lint --strict` then `helm template` of a chart, with Helm's own code (helm-java), for
 * machines without a helm binary. Usage: java -cp '<lib>/*' RenderChart.java <chart> [key=value... | @values.yaml...]
 * (a values file keeps strings strings: `--set` reads +18885550100 as a number)
 * Prints the manifests; exits 1 with the lint messages when linting fails.
 */
public class RenderChart {
  public static void main(String[] args) {
    Path chart = Path.of(args[0]);
    LintResult lint = new Helm(chart).lint().strict().call();
    if (lint.isFailed()) {
      lint.getMessages().forEach(System.err::println);
      System.exit(1);
    }
    var template = new Helm(chart).template().withName("textback").withNamespace("textback");
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("@")) {
        template = template.withValuesFile(Path.of(args[i].substring(1)));
        continue;
      }
      String[] kv = args[i].split("=", 2);
      template = template.set(kv[0], kv[1]);
    }
    System.out.print(template.call());
  }
}
