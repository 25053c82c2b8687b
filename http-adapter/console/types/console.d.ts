// Types shared by the console's JSDoc annotations (checked by `tsc -p http-adapter/console`).

/** A child of an element built by `h`: a node, text, or nothing (skipped); arrays are flattened. */
type Child = Node | string | number | null | undefined | false | ChildList;
interface ChildList extends Array<Child> {}

/** Event handlers of `h`'s `on` property. */
type Handlers = { [event: string]: (event: any) => void };

/** The properties `h` accepts: `class`, `text`, `on`, `for`, `value`, booleans and string attributes. */
type Props = { on?: Handlers } & { [key: string]: string | number | boolean | null | undefined | Handlers };

/** A form control `field` can label. */
type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** An API problem document (`application/problem+json`), as the console reads it. */
type ProblemDoc = {
  title?: string;
  detail?: string;
  code?: string;
  status?: number;
  request_id?: string | null;
  errors?: Api.FieldError[];
  [key: string]: unknown;
};
